-- The audit log is append-only, as in SQLite (migrations/0001): the database itself refuses edits, deletions and
-- TRUNCATE (which skips row triggers); the hash chain detects edits made by someone who drops these triggers.
-- PL/pgSQL and EXECUTE PROCEDURE: accepted by PostgreSQL and by the PostgreSQL-derived databases (docs/postgresql.md).
CREATE OR REPLACE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE ON "audit_log"
FOR EACH ROW EXECUTE PROCEDURE "audit_log_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_delete" BEFORE DELETE ON "audit_log"
FOR EACH ROW EXECUTE PROCEDURE "audit_log_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
FOR EACH STATEMENT EXECUTE PROCEDURE "audit_log_append_only"();
