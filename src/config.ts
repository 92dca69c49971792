// Configuration from environment variables, validated once at start.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import * as Value from 'typebox/value';
import { defaultKeyFile } from './db/keys.js';

export const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  host: Type.String({ minLength: 1 }),
  /** The SQLite file (CEPING_DB a path), or null when Ceping runs on PostgreSQL. */
  dbPath: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /** The PostgreSQL database (CEPING_DB=postgres://…, docs/postgresql.md), or null on SQLite. */
  databaseUrl: Type.Union([Type.String({ pattern: '^postgres(ql)?://' }), Type.Null()]),
  /** The key file (db/keys.ts): beside the database unless CEPING_KEY_FILE names another place. */
  keyFile: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  publicUrl: Type.String({ pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' }),
  adminUser: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]),
  adminPassword: Type.Union([Type.String({ minLength: 12, maxLength: 200 }), Type.Null()]),
  jwtSecret: Type.Union([Type.String({ minLength: 32 }), Type.Null()]),
  sessionMinutes: Type.Integer({ minimum: 5, maximum: 24 * 60 }),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'silent'].map((l) => Type.Literal(l))),
  /**
   * The reverse proxies whose X-Forwarded-For is believed (addresses or CIDR ranges), or false. Never `true`:
   * that would believe any client's own header, so a guesser could name a new address with every request.
   */
  trustProxy: Type.Union([Type.Literal(false), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })]),
});

export type Config = Static<typeof ConfigSchema>;

const MINUTE = 60_000;

/**
 * Every fixed limit in one place: request sizes, batch sizes, live timing and lockout policy. Routes, the CLI and
 * the live hub read them from here, so a change is made once.
 */
export const LIMITS = {
  /** Any request body. */
  bodyBytes: 512 * 1024,
  /** A cast ballot or a keyed-in paper ballot (the longest village ballot with every comment full is about 40 KB). */
  ballotBodyBytes: 256 * 1024,
  /** Slips issued in one batch (JSON or PDF), and serials in one void request. */
  slipsPerBatch: 10_000,
  /**
   * Slips per meeting without a written reason: this many times the largest of the sign-in count, the minimum and
   * the staff count (at least `slipsFloor`). A village of 70 has no use for 28,000 slips; beyond the cap a reason
   * is required and goes to the audit log.
   */
  slipsPerPerson: 10,
  slipsFloor: 200,
  /** Paper ballots printed in one batch (each is a whole questionnaire). */
  paperBallotsPerBatch: 2_000,
  /**
   * Slow clients (docs/security.md, "Slow clients"): a request must arrive whole within `requestMs` (its headers
   * within `headersMs`), an idle connection closes after `idleMs`, and at most `connections` are open at once, well
   * below the process's file limit, so thousands of clients dripping bytes cannot keep new voters out.
   */
  http: { requestMs: 15_000, headersMs: 10_000, idleMs: 30_000, keepAliveMs: 5_000, connections: 4_000 },
  /** Sign-in counts, staff counts and minimums. */
  people: 100_000,
  /** Live progress: voter-moved counts are sampled at most once per tick (README, "Live progress"). */
  live: { tickMs: 10_000, heartbeatMs: 15_000, maxStreamMs: 30 * MINUTE, ticketTtlMs: MINUTE },
  /** Failure lockouts (docs/security.md): wrong ballot credentials per address, failed logins per address and per username. */
  lockout: {
    // A typo in a short code is caught by its check symbol and never counted, so honest voters almost never
    // fail; 30 well-formed unknown credentials from one address in 10 minutes is a search.
    credential: { maxFailures: 30, windowMs: 10 * MINUTE, lockMs: 10 * MINUTE },
  },
  /**
   * Failed logins (auth/login-throttle.ts). A username and address together are locked after `pair` failures; an
   * address trying many usernames after `address`; a username attacked from many addresses is never locked: its
   * failed answers are slowed, doubling from `slowAfter` failures up to `maxDelayMs`, while its right password
   * still logs in at once.
   */
  login: {
    pair: { maxFailures: 10, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
    address: { maxFailures: 30, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
    user: { slowAfter: 10, windowMs: 15 * MINUTE, baseDelayMs: 250, maxDelayMs: 8_000 },
  },
} as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const explain: Record<string, string> = {
  port: 'PORT must be a whole number from 0 to 65535',
  host: 'HOST must not be empty',
  dbPath: 'CEPING_DB must be a file path or a postgres:// address',
  databaseUrl: 'CEPING_DB must be a postgres://user:password@host:port/database address',
  keyFile: 'CEPING_KEY_FILE must be a file path',
  publicUrl: 'PUBLIC_URL must be an http(s) URL such as https://ceping.example.gov.cn',
  adminUser: 'CEPING_ADMIN_USER must be 1 to 64 characters',
  adminPassword: 'CEPING_ADMIN_PASSWORD must be 12 to 200 characters',
  jwtSecret: 'CEPING_JWT_SECRET must be at least 32 characters',
  sessionMinutes: 'CEPING_SESSION_MINUTES must be from 5 to 1440',
  logLevel: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, silent',
  trustProxy: 'CEPING_TRUST_PROXY must be false or a comma-separated list of proxy addresses or ranges (e.g. 127.0.0.1 or 10.0.0.0/8)',
};

/** CEPING_TRUST_PROXY: unset or `false`, or addresses and CIDR ranges separated by commas. */
function parseTrustProxy(v: string | undefined): false | string[] | 'invalid' {
  if (v === undefined || v.trim() === '' || v.trim() === 'false') return false;
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const ok = list.every((a) => {
    const [ip, bits, ...rest] = a.split('/');
    if (rest.length > 0 || !ip || isIP(ip) === 0) return false;
    if (bits === undefined) return true;
    const max = isIP(ip) === 4 ? 32 : 128;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
  });
  return ok && list.length > 0 ? list : 'invalid';
}

/** A postgres:// address with a host and a database name (what node-postgres needs to connect). */
function isPostgresUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return /^postgres(ql)?:$/.test(u.protocol) && u.hostname !== '' && u.pathname.length > 1;
  } catch {
    return false;
  }
}

/** True when phones cannot reach PUBLIC_URL: it names this machine (127.x, localhost, ::1). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
}

/** Reads and validates the configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const num = (v: string | undefined, d: number) => (v === undefined || v === '' ? d : /^\d+$/.test(v) ? Number(v) : NaN);
  const port = num(env.PORT, 3000);
  const host = env.HOST || '127.0.0.1';
  const onPostgres = /^postgres(ql)?:/i.test(env.CEPING_DB ?? '');
  const dbPath = onPostgres ? null : resolve(env.CEPING_DB || './data/ceping.sqlite');
  const raw = {
    port,
    host,
    dbPath,
    databaseUrl: onPostgres ? env.CEPING_DB! : null,
    keyFile: env.CEPING_KEY_FILE ? resolve(env.CEPING_KEY_FILE) : dbPath === null ? null : defaultKeyFile(dbPath),
    publicUrl: (env.PUBLIC_URL || `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/+$/, ''),
    adminUser: env.CEPING_ADMIN_USER || null,
    adminPassword: env.CEPING_ADMIN_PASSWORD || null,
    jwtSecret: env.CEPING_JWT_SECRET || null,
    sessionMinutes: num(env.CEPING_SESSION_MINUTES, 60),
    logLevel: env.LOG_LEVEL || 'info',
    trustProxy: parseTrustProxy(env.CEPING_TRUST_PROXY),
  };
  const problems = Value.Check(ConfigSchema, raw)
    ? []
    : [...new Set(Value.Errors(ConfigSchema, raw).map((e) => explain[e.instancePath.split('/')[1] ?? ''] ?? `${e.instancePath} ${e.message}`))];
  if ((raw.adminUser === null) !== (raw.adminPassword === null)) problems.push('CEPING_ADMIN_USER and CEPING_ADMIN_PASSWORD must be given together');
  if (onPostgres) {
    if (!isPostgresUrl(env.CEPING_DB!)) problems.push('CEPING_DB must be a postgres://user:password@host:port/database address (percent-encode special characters of the password)');
    // Every instance must sign and look up with the same keys: a file they all read, never one each makes up.
    if (!env.CEPING_KEY_FILE) problems.push('CEPING_KEY_FILE must name the key file when CEPING_DB is a PostgreSQL address (every instance reads the same file; docs/postgresql.md)');
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return raw as Config;
}
