// The database schema. drizzle-kit reads this file to generate the migrations in /migrations.
//
// Anonymity rules that shape these tables (../shared/DOMAIN.md, "Anonymity"):
// - `ballots` has a random id, no reference to a slip, and no timestamp. A custom migration rebuilds it
//   WITHOUT ROWID so that its physical order follows the random id, not the arrival order.
// - `slips` records *that* a slip was used, never when, and stores only hashes of its secrets.
import { sql } from 'drizzle-orm';
import { integer, primaryKey, sqliteTable, text, uniqueIndex, index, real } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull().default(''),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'assessor'] }).notNull(),
  disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
  createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});

export const meetings = sqliteTable('meetings', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  unit: text('unit').notNull(),
  kind: text('kind', { enum: ['village', 'community', 'township-dept', 'county', 'city-dept', 'other'] }).notNull(),
  status: text('status', { enum: ['draft', 'open', 'closed'] }).notNull().default('draft'),
  /** JSON array of form ids, in the order the voter sees them. */
  formIds: text('form_ids', { mode: 'json' }).$type<string[]>().notNull(),
  /** An explicit minimum; null means "use the rule of the meeting kind". */
  minOverride: integer('min_override'),
  minOverrideReason: text('min_override_reason'),
  /** Staff count, for kinds whose minimum is "all staff" (部门站所, seed 003). */
  staffCount: integer('staff_count'),
  signedIn: integer('signed_in'),
  interviews: integer('interviews'),
  createdBy: text('created_by').notNull(),
  createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  closedBy: text('closed_by'),
  closedAt: text('closed_at'),
  /** Bumped on each write that changes what a tally would show; used by live views and caches. */
  version: integer('version').notNull().default(0),
});

export const meetingAssessors = sqliteTable(
  'meeting_assessors',
  {
    meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.userId] })],
);

export const subjects = sqliteTable(
  'subjects',
  {
    id: text('id').primaryKey(),
    meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['organisation', 'team', 'person'] }).notNull(),
    /** 职务, e.g. 党支部书记. */
    title: text('title'),
    /** The team's principal (主要负责人); seed 004 caps their grade by the team's grade. */
    isHead: integer('is_head', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('subjects_meeting_idx').on(t.meetingId, t.position)],
);

/** Respondent categories of a meeting (领导自评 / 民主评议 ...), each with a weight (seed 002). */
export const categories = sqliteTable(
  'categories',
  {
    meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    label: text('label').notNull(),
    weight: real('weight').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.key] })],
);

export const slipBatches = sqliteTable('slip_batches', {
  id: text('id').primaryKey(),
  meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
  category: text('category'),
  count: integer('count').notNull(),
  firstSerial: integer('first_serial').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});

export const slips = sqliteTable(
  'slips',
  {
    /** SHA-256 of the URL token, hex. The token itself exists only on the printed slip. */
    tokenHash: text('token_hash').primaryKey(),
    /** HMAC of the short typeable code, hex (the code has less entropy than the token). */
    shortCodeHash: text('short_code_hash').notNull().unique(),
    meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    batchId: text('batch_id').notNull().references(() => slipBatches.id, { onDelete: 'cascade' }),
    category: text('category'),
    /** Printed serial number, for counting slips; never linked to a ballot. */
    serial: integer('serial').notNull(),
    status: text('status', { enum: ['issued', 'used', 'voided'] }).notNull().default('issued'),
    /** SHA-256 of the voter's submit nonce, so that a retry of an accepted submit is recognised. */
    nonceHash: text('nonce_hash'),
    voidReason: text('void_reason'),
  },
  (t) => [uniqueIndex('slips_meeting_serial_idx').on(t.meetingId, t.serial), index('slips_batch_idx').on(t.batchId)],
);

export const ballots = sqliteTable(
  'ballots',
  {
    /** Random id; the table is WITHOUT ROWID (see migrations), so storage order follows this id. */
    id: text('id').primaryKey(),
    meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    category: text('category'),
    /** 'phone' or 'paper' (keyed in by an assessor from a collected paper ballot). */
    source: text('source', { enum: ['phone', 'paper'] }).notNull(),
    answers: text('answers', { mode: 'json' }).$type<Record<string, Record<string, unknown>>>().notNull(),
    valid: integer('valid', { mode: 'boolean' }).notNull(),
    /** Rule breaches recorded for a ballot accepted as written: [{ruleId, formId, message}]. */
    breaches: text('breaches', { mode: 'json' }).$type<Array<{ ruleId: string; formId: string; message: string }>>().notNull(),
  },
  (t) => [index('ballots_meeting_idx').on(t.meetingId)],
);

/** Append-only, hash-chained log of admin actions. Never holds a token, a ballot or a voter's address. */
export const auditLog = sqliteTable('audit_log', {
  seq: integer('seq').primaryKey(),
  at: text('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  meetingId: text('meeting_id'),
  detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

/** Closing reports, one per close of a poll (a reopened and re-closed poll has several). */
export const closingReports = sqliteTable('closing_reports', {
  id: text('id').primaryKey(),
  meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
  closedBy: text('closed_by').notNull(),
  closedAt: text('closed_at').notNull(),
  report: text('report', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
});

/** Server secrets and settings kept with the data (the JWT secret, the short-code pepper). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
