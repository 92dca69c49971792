// The database schema for PostgreSQL: the tables of ./schema.ts (SQLite), column for column, in drizzle's pg-core
// dialect. drizzle-kit reads this file (drizzle.pg.config.ts) to generate the migrations in /migrations/pg.
// test/unit/schema-engines.test.ts fails when the two diverge: change both files together.
//
// The schema Ceping runs on with CEPING_DB=postgres://… (src/db/postgres.ts). The anonymity notes of ./schema.ts hold
// here too. Type choices, kept to plain SQL that PostgreSQL-derived databases (KingbaseES, openGauss, HighGo) accept
// (docs/postgresql.md):
// - Text stays text, JSON included: a JSON column is `text` holding JSON.stringify's output, as in SQLite, so a value
//   reads back exactly as it was written (jsonb would reorder keys) and no json type support is assumed.
// - SQLite integers become `integer` for counts, positions and serials, and `bigint` for times in milliseconds or
//   seconds since the epoch (past 2^31) and for ever-growing sequence numbers. Both read back as JS numbers.
// - Integers in boolean mode become `boolean`; REAL becomes `double precision` (both are 8-byte floats).
// - Times stored as ISO text keep their format: the default writes what SQLite's strftime wrote.
// - No enum types and no CHECK constraints: SQLite's schema has none either (the enums are TypeScript-only).
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, customType, doublePrecision, index, integer, pgTable, primaryKey, text, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { MeetingSettings } from '../domain/settings.js';
import { PARTY_ROLES, SECONDMENTS } from '../domain/assessment/cadre-facts.js';

/** A JSON value kept as text, as SQLite's `text(..., { mode: 'json' })` keeps it. */
const jsonText = <T>(name: string) =>
  customType<{ data: T; driverData: string }>({
    dataType: () => 'text',
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (value) => JSON.parse(value) as T,
  })(name);

/** Bytes (the ballot box's keys, records and nonce hashes), read back as a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** Now, in UTC, as ISO 8601 text with milliseconds: what SQLite's strftime('%Y-%m-%dT%H:%M:%fZ','now') gives. */
const nowIso = sql`(to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull().default(''),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'assessor'] }).notNull(),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: text('created_at').notNull().default(nowIso),
  sessionEpoch: integer('session_epoch').notNull().default(0),
});

export const revokedSessions = pgTable('revoked_sessions', {
  jti: text('jti').primaryKey(),
  /** Seconds since the epoch: bigint, as a 32-bit integer ends in 2038. */
  expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
});

export const loginFailures = pgTable('login_failures', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  /** Milliseconds since the epoch. */
  windowStart: bigint('window_start', { mode: 'number' }).notNull(),
  lockedUntil: bigint('locked_until', { mode: 'number' }).notNull().default(0),
});

export const meetings = pgTable('meetings', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  unit: text('unit').notNull(),
  kind: text('kind', { enum: ['village', 'community', 'township-dept', 'county', 'city-dept', 'other'] }).notNull(),
  status: text('status', { enum: ['draft', 'open', 'closed'] }).notNull().default('draft'),
  formIds: jsonText<string[]>('form_ids').notNull(),
  minOverride: integer('min_override'),
  minOverrideReason: text('min_override_reason'),
  staffCount: integer('staff_count'),
  signedIn: integer('signed_in'),
  interviews: integer('interviews'),
  createdBy: text('created_by').notNull(),
  createdAt: text('created_at').notNull().default(nowIso),
  closedBy: text('closed_by'),
  closedAt: text('closed_at'),
  version: integer('version').notNull().default(0),
  publishedBallots: integer('published_ballots'),
  settings: jsonText<MeetingSettings>('settings'),
  ballotLayout: text('ballot_layout'),
});

export const meetingAssessors = pgTable(
  'meeting_assessors',
  {
    meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.userId] })],
);

export const subjects = pgTable(
  'subjects',
  {
    id: text('id').primaryKey(),
    meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['organisation', 'team', 'person', 'candidate'] }).notNull(),
    title: text('title'),
    isHead: boolean('is_head').notNull().default(false),
  },
  (t) => [index('subjects_meeting_idx').on(t.meetingId, t.position)],
);

export const categories = pgTable(
  'categories',
  {
    meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    label: text('label').notNull(),
    weight: doublePrecision('weight').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.key] })],
);

export const slipBatches = pgTable('slip_batches', {
  id: text('id').primaryKey(),
  meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
  category: text('category'),
  count: integer('count').notNull(),
  firstSerial: integer('first_serial').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: text('created_at').notNull().default(nowIso),
});

export const slips = pgTable(
  'slips',
  {
    tokenHash: text('token_hash').primaryKey(),
    shortCodeHash: text('short_code_hash').notNull().unique(),
    meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    batchId: text('batch_id').notNull().references(() => slipBatches.id, { onDelete: 'cascade' }),
    category: text('category'),
    serial: integer('serial').notNull(),
    status: text('status', { enum: ['issued', 'used', 'voided'] }).notNull().default('issued'),
    tokenWrap: text('token_wrap'),
    nonceHash: text('nonce_hash'),
    voidReason: text('void_reason'),
  },
  (t) => [uniqueIndex('slips_meeting_serial_idx').on(t.meetingId, t.serial), index('slips_batch_idx').on(t.batchId)],
);

/**
 * `seq` is numbered by the database when omitted, as SQLite numbers an INTEGER PRIMARY KEY: here by a sequence
 * (bigserial, plain SQL everywhere; no identity column, which openGauss lacks). Unlike SQLite's single writer, two
 * transactions can commit their numbers out of order, so a reader keeping a high-water mark of `seq` (the ballot box)
 * must not pass a number whose transaction is still open: the inserts have to be serialised (docs/postgresql.md,
 * "Transactions").
 */
export const slipMarkers = pgTable('slip_markers', {
  seq: bigserial('seq', { mode: 'number' }).primaryKey(),
  markerKey: text('marker_key').notNull().unique(),
  meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
  batchId: text('batch_id').notNull().references(() => slipBatches.id, { onDelete: 'cascade' }),
});

/**
 * Ballots of a database written before the ballot box. SQLite stores them WITHOUT ROWID so that storage follows the
 * random id, not arrival; a PostgreSQL heap keeps arrival order, so this table must stay empty there: a PostgreSQL
 * database is always new, and the ballot box holds every ballot (docs/postgresql.md).
 */
export const ballots = pgTable(
  'ballots',
  {
    id: text('id').primaryKey(),
    meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    category: text('category'),
    source: text('source', { enum: ['phone', 'paper'] }).notNull(),
    answers: jsonText<Record<string, Record<string, unknown>>>('answers').notNull(),
    valid: boolean('valid').notNull(),
    breaches: jsonText<Array<{ ruleId: string; formId: string; message: string }>>('breaches').notNull(),
  },
  (t) => [index('ballots_meeting_idx').on(t.meetingId)],
);

/**
 * Append-only, hash-chained log of admin actions. The app numbers `seq` itself (the hash covers it), so no sequence.
 * The migrations add triggers refusing UPDATE, DELETE and TRUNCATE, as SQLite's refuse UPDATE and DELETE.
 */
export const auditLog = pgTable('audit_log', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  at: text('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  meetingId: text('meeting_id'),
  detail: jsonText<Record<string, unknown>>('detail').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

export const closingReports = pgTable('closing_reports', {
  id: text('id').primaryKey(),
  meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
  closedBy: text('closed_by').notNull(),
  closedAt: text('closed_at').notNull(),
  report: jsonText<Record<string, unknown>>('report').notNull(),
});

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

// Assessment rounds (see ./schema.ts).

export const assessmentRounds = pgTable('assessment_rounds', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  schemeId: text('scheme_id').notNull(),
  scheme: jsonText<Record<string, unknown>>('scheme').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: text('created_at').notNull().default(nowIso),
});

export const assessmentUnits = pgTable(
  'assessment_units',
  {
    id: text('id').primaryKey(),
    roundId: text('round_id').notNull().references(() => assessmentRounds.id, { onDelete: 'cascade' }),
    domain: text('domain').notNull(),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    facts: jsonText<Record<string, unknown>>('facts').notNull(),
    partyBuildingUnitId: text('party_building_unit_id').references((): AnyPgColumn => assessmentUnits.id),
  },
  (t) => [uniqueIndex('assessment_units_round_name_idx').on(t.roundId, t.name), index('assessment_units_round_idx').on(t.roundId, t.position)],
);

export const assessmentInputs = pgTable(
  'assessment_inputs',
  {
    unitId: text('unit_id').notNull().references(() => assessmentUnits.id, { onDelete: 'cascade' }),
    input: text('input').notNull(),
    value: jsonText<number | string>('value').notNull(),
    note: text('note').notNull(),
    evidence: text('evidence').notNull(),
    enteredBy: text('entered_by').notNull(),
    enteredAt: text('entered_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.unitId, t.input] })],
);

export const assessmentDeductions = pgTable(
  'assessment_deductions',
  {
    id: text('id').primaryKey(),
    unitId: text('unit_id').notNull().references(() => assessmentUnits.id, { onDelete: 'cascade' }),
    indicatorId: text('indicator_id').notNull(),
    ruleId: text('rule_id').notNull(),
    occurrences: doublePrecision('occurrences').notNull(),
    points: doublePrecision('points').notNull(),
    note: text('note').notNull(),
    evidence: text('evidence').notNull(),
    enteredBy: text('entered_by').notNull(),
    enteredAt: text('entered_at').notNull(),
  },
  (t) => [index('assessment_deductions_unit_idx').on(t.unitId)],
);

export const assessmentLinks = pgTable(
  'assessment_links',
  {
    unitId: text('unit_id').notNull().references(() => assessmentUnits.id, { onDelete: 'cascade' }),
    component: text('component').notNull(),
    meetingId: text('meeting_id').notNull().references(() => meetings.id),
    formId: text('form_id').notNull(),
    subjectId: text('subject_id'),
  },
  (t) => [primaryKey({ columns: [t.unitId, t.component] }), index('assessment_links_meeting_idx').on(t.meetingId)],
);

export const assessmentCadres = pgTable(
  'assessment_cadres',
  {
    id: text('id').primaryKey(),
    unitId: text('unit_id').notNull().references(() => assessmentUnits.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    title: text('title'),
    isHead: boolean('is_head').notNull().default(false),
    score: doublePrecision('score'),
    noExcellentInDaily: boolean('no_excellent_in_daily').notNull().default(false),
    underInvestigation: boolean('under_investigation').notNull().default(false),
    retired: boolean('retired').notNull().default(false),
    secondment: text('secondment', { enum: SECONDMENTS }).notNull().default('none'),
    partyRole: text('party_role', { enum: PARTY_ROLES }).notNull().default('none'),
    position: integer('position').notNull(),
  },
  (t) => [index('assessment_cadres_unit_idx').on(t.unitId, t.position)],
);

export const assessmentDecisions = pgTable(
  'assessment_decisions',
  {
    targetId: text('target_id').primaryKey(),
    roundId: text('round_id').notNull().references(() => assessmentRounds.id, { onDelete: 'cascade' }),
    targetType: text('target_type', { enum: ['unit', 'cadre'] }).notNull(),
    grade: text('grade').notNull(),
    suggested: text('suggested'),
    reason: text('reason'),
    decidedBy: text('decided_by').notNull(),
    decidedAt: text('decided_at').notNull(),
  },
  (t) => [index('assessment_decisions_round_idx').on(t.roundId)],
);

// The ballot box (src/ballots/box-store.pg.ts, where the design and what it hides are described). On SQLite the box is
// a file of its own (src/ballots/box.repository.ts); here its two tables sit beside the others, with no foreign key
// into them: a vote must not lock or touch any row of the main tables. Every key is random (a marker's is derived
// from its slip's token, a ballot's drawn when it is written and drawn again at the close); no column holds a time,
// a sequence number, a slip or a token.

/** A slip's "used" marker: created unused when the slip is issued, flipped by its vote, rewritten at the close. */
export const boxMarkers = pgTable(
  'box_markers',
  {
    key: bytea('key').primaryKey(),
    meetingId: text('meeting_id').notNull(),
    batchId: text('batch_id').notNull(),
    used: boolean('used').notNull().default(false),
    /** SHA-256 of the phone's retry nonce, set by the vote (null while unused, or for a vote without one). */
    nonceHash: bytea('nonce_hash'),
  },
  (t) => [index('box_markers_meeting_idx').on(t.meetingId)],
);

/**
 * One accepted ballot: its fixed-size record (src/ballots/ballot-record.ts) and the head the tally counts (null for
 * the older JSON records, which have none).
 */
export const boxBallots = pgTable(
  'box_ballots',
  {
    key: bytea('key').primaryKey(),
    meetingId: text('meeting_id').notNull(),
    valid: boolean('valid').notNull(),
    head: bytea('head'),
    record: bytea('record').notNull(),
  },
  (t) => [index('box_ballots_meeting_idx').on(t.meetingId)],
);

/**
 * The live turnout's sample of the current tick (src/turnout/live.ts), shared by every instance so that a meeting's
 * voter-moved counts are sampled once per tick whichever instance a screen asks (on SQLite one process samples, in
 * memory). `kind` is 'turnout' or 'batches'; `figures` the sampled counts as JSON; `epoch` the tick's number.
 */
export const liveSamples = pgTable(
  'live_samples',
  {
    meetingId: text('meeting_id').notNull(),
    kind: text('kind').notNull(),
    epoch: bigint('epoch', { mode: 'number' }).notNull(),
    figures: text('figures').notNull(),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.kind] })],
);
