#!/bin/bash
# Run once by the postgres image when the primary's data directory is created (docker-entrypoint-initdb.d):
# the role the replica streams with, allowed to connect for replication only, with a password.
set -euo pipefail
: "${CEPING_REPLICATION_PASSWORD:?set CEPING_REPLICATION_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" --set=pw="$CEPING_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
