// The database schema. drizzle-kit reads this file to generate the migrations in /migrations.
//
// Anonymity rules that shape these tables (../shared/DOMAIN.md, "Anonymity"):
// - Ballots are not stored here at all: they live in the ballot box, a file of its own beside this one
//   (src/ballots/ballot-box.ts), where a vote overwrites a pre-allocated slot in place. The `ballots` table
//   below only holds ballots of a database written before the ballot box, until the box takes them in at start.
// - `slips` stores only hashes of its secrets and is never written by a vote: whether a slip was used is a
//   marker in the ballot box under a key the database cannot derive (src/slips/credentials.ts).
import { sql } from 'drizzle-orm';
import { integer, primaryKey, sqliteTable, text, uniqueIndex, index, real, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { MeetingSettings } from '../domain/settings.js';
import { PARTY_ROLES, SECONDMENTS } from '../domain/assessment/cadre-facts.js';

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull().default(''),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'assessor'] }).notNull(),
  disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
  createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  /** Sessions carry the epoch they were signed in; a new password or "log out everywhere" moves it on. */
  sessionEpoch: integer('session_epoch').notNull().default(0),
});

/** Sessions ended before their time (logout): refused until they would have expired anyway. */
export const revokedSessions = sqliteTable('revoked_sessions', {
  jti: text('jti').primaryKey(),
  /** Seconds since the epoch: the row can go once the session would have expired. */
  expiresAt: integer('expires_at').notNull(),
});

/**
 * Failed logins, per username and per username+address (docs/security.md, "Guessing"). In the database so that an
 * operator can lift them with `ceping users unlock` while the server runs, and so that several instances share them.
 * No time of any vote is here: only admin logins are counted.
 */
export const loginFailures = sqliteTable('login_failures', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  /** Milliseconds since the epoch. */
  windowStart: integer('window_start').notNull(),
  lockedUntil: integer('locked_until').notNull().default(0),
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
  /**
   * Ballots in the last publication of results (a closing report's archived exports, the results view). A later
   * publication must differ from it by at least the minimum group size (results.usecases.ts, admitPublication).
   */
  publishedBallots: integer('published_ballots'),
  /** Scoring settings fixed at creation (src/domain/settings.ts); null for meetings created before them. */
  settings: text('settings', { mode: 'json' }).$type<MeetingSettings>(),
  /**
   * The ballot record layout (src/domain/ballot-record.ts, JSON) frozen when the poll first opens; null before, and
   * for meetings whose ballots were stored in the older format (read as such).
   */
  ballotLayout: text('ballot_layout'),
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
    /** organisation / team / person are rated; a candidate is only listed for 后备干部人选推荐 (seed 003). */
    kind: text('kind', { enum: ['organisation', 'team', 'person', 'candidate'] }).notNull(),
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
    /** The token masked with a pad derived from the short code: lets a typed code reach the slip's marker. Null for slips issued before markers. */
    tokenWrap: text('token_wrap'),
    /** Only in databases written before the ballot box ('used' slips); emptied when the box takes them in. */
    nonceHash: text('nonce_hash'),
    voidReason: text('void_reason'),
  },
  (t) => [uniqueIndex('slips_meeting_serial_idx').on(t.meetingId, t.serial), index('slips_batch_idx').on(t.batchId)],
);

/**
 * The "used" markers of issued slips, waiting for the ballot box to take them in (it keeps a high-water mark of
 * `seq`, so rows are never updated or deleted). A batch's markers are inserted in random order; the key derives
 * from the token, which is never stored, so no row here names a slip.
 */
export const slipMarkers = sqliteTable('slip_markers', {
  seq: integer('seq').primaryKey(),
  markerKey: text('marker_key').notNull().unique(),
  meetingId: text('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
  batchId: text('batch_id').notNull().references(() => slipBatches.id, { onDelete: 'cascade' }),
});

/** Ballots of a database written before the ballot box: moved into the box (in random order) at start, then deleted. */
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

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Assessment rounds: units ranked by composite scores under the schemes of seeds 001, 002 and 004.
// The rules live in src/domain/assessment/; these tables hold only the inputs and the decisions people made.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** An assessment round (e.g. 2026年度党建工作成效考核) and the scheme it is scored by. */
export const assessmentRounds = sqliteTable('assessment_rounds', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  schemeId: text('scheme_id').notNull(),
  /** The scheme as it stood when the round was created, so a later edit of a shipped scheme never rescores a round. */
  scheme: text('scheme', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});

/** A unit (县区, 市直单位, 镇街 ...) assessed in a round, in one domain (领域) of the scheme. */
export const assessmentUnits = sqliteTable(
  'assessment_units',
  {
    id: text('id').primaryKey(),
    roundId: text('round_id').notNull().references(() => assessmentRounds.id, { onDelete: 'cascade' }),
    domain: text('domain').notNull(),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    /** Facts that cap a grade (seed 001): named criticism, satisfaction survey grade, grave problems, 成效不明显. */
    facts: text('facts', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /**
     * For a unit of an annual cadre round (seed 004): the same unit in a 党建工作成效考核 round (seed 001), whose grade
     * below 好 keeps its secretary and its deputy for party building from 优秀 (001 第十七条).
     */
    partyBuildingUnitId: text('party_building_unit_id').references((): AnySQLiteColumn => assessmentUnits.id),
  },
  (t) => [uniqueIndex('assessment_units_round_name_idx').on(t.roundId, t.name), index('assessment_units_round_idx').on(t.roundId, t.position)],
);

/** A score entered by hand for one input of a unit (年度工作考评 level, 基础工作 score, innovation items ...). */
export const assessmentInputs = sqliteTable(
  'assessment_inputs',
  {
    unitId: text('unit_id').notNull().references(() => assessmentUnits.id, { onDelete: 'cascade' }),
    input: text('input').notNull(),
    /** A number, or a level key for an award-type input. */
    value: text('value', { mode: 'json' }).$type<number | string>().notNull(),
    note: text('note').notNull(),
    evidence: text('evidence').notNull(),
    enteredBy: text('entered_by').notNull(),
    enteredAt: text('entered_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.unitId, t.input] })],
);

/** One deduction under an indicator of the catalogue (seed 001: 扣分制, e.g. "每1起扣1分"). */
export const assessmentDeductions = sqliteTable(
  'assessment_deductions',
  {
    id: text('id').primaryKey(),
    unitId: text('unit_id').notNull().references(() => assessmentUnits.id, { onDelete: 'cascade' }),
    indicatorId: text('indicator_id').notNull(),
    ruleId: text('rule_id').notNull(),
    /** Occurrences (起, 项, 次 ...) for a per-occurrence rule; 1 for a fixed deduction. */
    occurrences: real('occurrences').notNull(),
    points: real('points').notNull(),
    note: text('note').notNull(),
    evidence: text('evidence').notNull(),
    enteredBy: text('entered_by').notNull(),
    enteredAt: text('entered_at').notNull(),
  },
  (t) => [index('assessment_deductions_unit_idx').on(t.unitId)],
);

/** A ballot-fed component of a unit: which meeting, form and subject its score comes from. */
export const assessmentLinks = sqliteTable(
  'assessment_links',
  {
    unitId: text('unit_id').notNull().references(() => assessmentUnits.id, { onDelete: 'cascade' }),
    component: text('component').notNull(),
    meetingId: text('meeting_id').notNull().references(() => meetings.id),
    formId: text('form_id').notNull(),
    /** The subject (the unit's team or organisation) whose grades count; null for a form without subjects. */
    subjectId: text('subject_id'),
  },
  (t) => [primaryKey({ columns: [t.unitId, t.component] }), index('assessment_links_meeting_idx').on(t.meetingId)],
);

/** A cadre (领导干部) of a unit, for the annual grades of seed 004. */
export const assessmentCadres = sqliteTable(
  'assessment_cadres',
  {
    id: text('id').primaryKey(),
    unitId: text('unit_id').notNull().references(() => assessmentUnits.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    title: text('title'),
    isHead: integer('is_head', { mode: 'boolean' }).notNull().default(false),
    /** 测评分值 (seed 004: 优秀 needs at least 90). */
    score: real('score'),
    /** 全年领导评价无"优秀"等次 (seed 004): no 优秀 in the year's daily evaluations. */
    noExcellentInDaily: integer('no_excellent_in_daily', { mode: 'boolean' }).notNull().default(false),
    /** 涉嫌违纪违法被立案审查调查尚未结案 (seed 004): in the base, no grade until the case is concluded. */
    underInvestigation: integer('under_investigation', { mode: 'boolean' }).notNull().default(false),
    /** 考核年度12月31日前退休 (seed 004): not assessed. */
    retired: integer('retired', { mode: 'boolean' }).notNull().default(false),
    /** 挂职 (seed 004): from 中央/省/市 (out of the host's base and quota), from the county ≥ 6 months (counted), < 6 months (assessed at home). */
    secondment: text('secondment', { enum: SECONDMENTS }).notNull().default('none'),
    /** 党委（党组）书记 or 分管党建工作的副职 (seed 001 第十七条). */
    partyRole: text('party_role', { enum: PARTY_ROLES }).notNull().default('none'),
    position: integer('position').notNull(),
  },
  (t) => [index('assessment_cadres_unit_idx').on(t.unitId, t.position)],
);

/** The final grade an admin recorded for a unit or a cadre, beside the suggestion it was given. */
export const assessmentDecisions = sqliteTable(
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
