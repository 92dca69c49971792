// Meetings: creating one, opening its poll, the sign-in count, its assessors, and reading it (cached by version
// for the voter's hot path). Closing the poll belongs to src/closing, turnout to src/turnout.
import { databaseKey, transaction, type Conn, type Db } from '../db/client.js';
import { questionsForMeeting, type FormTemplate, type SubjectKind } from '../domain/forms.js';
import { ballotLayout as buildBallotLayout } from '../domain/ballot-record.js';
import { decideMinimum, MEETING_KIND_LABELS, type MeetingKind, type MinimumDecision } from '../domain/turnout.js';
import { formsWithSettings, pointMapProblems, type MeetingSettings, type PointMaps } from '../domain/settings.js';
import type { FormCatalog } from '../forms/index.js';
import { recordAudit } from '../audit/index.js';
import { findUserById, type SessionUser } from '../auth/index.js';
import { isReason, requireReason } from '../shared/reasons.js';
import { randomId } from '../shared/ids.js';
import { meetingErrors } from './meetings.errors.js';
import {
  correctSubject as correctSubjectRow,
  deleteMeeting as deleteMeetingRow,
  findMeeting,
  hasIssuedSlips,
  insertMeeting,
  isLinkedToRound,
  listMeetingRecords,
  meetingVersionOf,
  replaceCategories,
  replaceSubjects,
  setAssessors,
  updateMeeting,
  type MeetingRecord,
} from './meetings.repository.js';

export interface NewMeeting {
  title: string;
  unit: string;
  kind: MeetingKind;
  formIds: string[];
  subjects: Array<{ name: string; kind: SubjectKind; title?: string; isHead?: boolean }>;
  categories?: Array<{ key: string; label: string; weight: number }>;
  minRespondents?: number;
  minReason?: string;
  /** Seed 004's per-ballot 20 % rule: allow one 优秀 in a unit too small for it (off unless set). */
  smallUnitExcellentException?: boolean;
  /** The meeting's own points per form and scale (src/domain/settings.ts); absent: the templates'. */
  pointMaps?: PointMaps;
  staffCount?: number;
  assessorIds?: string[];
}

export interface Deps {
  db: Db;
  forms: FormCatalog;
}

/**
 * The forms of a meeting, in its order, with the meeting's settings applied (src/domain/settings.ts). A form
 * removed from forms/ since is reported, not skipped.
 */
export function meetingForms(forms: FormCatalog, formIds: readonly string[], settings?: MeetingSettings | null): FormTemplate[] {
  return formsWithSettings(
    formIds.map((id) => {
      const f = forms.get(id);
      if (!f) throw meetingErrors.formMissing(id);
      return f;
    }),
    settings,
  );
}

/**
 * What is wrong with a meeting's settings, in Chinese: the same rules for a new meeting and an edited draft.
 * `assessorIds` are checked only when given.
 */
/** Which minimum rule each form of the meeting falls under (src/domain/turnout.ts, decideMinimum). */
const minimumBasesOf = (forms: FormCatalog, formIds: readonly string[]) => formIds.map((id) => forms.get(id)?.minimumBasis ?? null);

async function meetingProblems(
  { db, forms }: { db: Conn; forms: FormCatalog },
  input: Pick<NewMeeting, 'kind' | 'formIds' | 'categories' | 'minReason' | 'assessorIds' | 'pointMaps'> & {
    subjects: ReadonlyArray<{ name: string; kind: SubjectKind }>;
    minRespondents?: number | null;
    staffCount?: number | null;
  },
): Promise<string[]> {
  const problems: string[] = [];
  if (new Set(input.formIds).size !== input.formIds.length) problems.push('测评表不能重复选择');
  const templates = input.formIds.map((id) => forms.get(id));
  input.formIds.forEach((id, i) => {
    if (!templates[i]) problems.push(`测评表“${id}”不存在`);
  });
  const subjectRefs = input.subjects.map((s, i) => ({ id: String(i), name: s.name.trim(), kind: s.kind }));
  if (subjectRefs.some((s) => s.name === '')) problems.push('测评对象姓名不能为空');
  for (const t of templates) {
    if (t && questionsForMeeting(t, subjectRefs).length === 0) problems.push(`“${t.title}”需要相应类型的测评对象（如党组织、班子或班子成员）`);
  }
  // The minimum follows the forms used and the kind (src/domain/turnout.ts); where no rule fits, an admin states it.
  const hasMin = input.minRespondents !== undefined && input.minRespondents !== null;
  const minimumBases = minimumBasesOf(forms, input.formIds);
  const unstated = decideMinimum({ kind: input.kind, override: null, staffCount: input.staffCount ?? null, signedIn: null, bases: minimumBases });
  if (unstated.needsAdmin && !hasMin) problems.push(`${unstated.rule}：请填写最低参评人数`);
  // Departing from a seed's minimum needs a reason; stating one where no rule exists does not.
  if (!unstated.needsAdmin && unstated.source !== 'none' && hasMin && !isReason(input.minReason)) problems.push('调整最低参评人数须写明理由');
  if (input.pointMaps) problems.push(...pointMapProblems(templates.filter((t): t is FormTemplate => t !== undefined), input.pointMaps));
  const cats = input.categories ?? [];
  if (new Set(cats.map((c) => c.key)).size !== cats.length) problems.push('参评人员类别不能重复');
  if (cats.length > 0) {
    const sum = cats.reduce((s, c) => s + c.weight, 0);
    if (Math.abs(sum - 1) > 1e-6) problems.push(`各类别权重之和须为 1（现为 ${Number(sum.toFixed(6))}）`);
  }
  for (const uid of input.assessorIds ?? []) {
    const u = await findUserById({ db }, uid);
    if (!u || u.role !== 'assessor') problems.push(`考核组成员 ${uid} 不存在`);
  }
  return problems;
}

export async function createMeeting({ db, forms }: Deps, actor: SessionUser, input: NewMeeting): Promise<MeetingRecord> {
  const problems = await meetingProblems({ db, forms }, input);
  const cats = input.categories ?? [];
  if (problems.length > 0) throw meetingErrors.invalid(problems);

  const id = randomId();
  const assessorIds = new Set(input.assessorIds ?? []);
  if (actor.role === 'assessor') assessorIds.add(actor.id);
  await transaction(db, async (tx) => {
    await insertMeeting(
      { db: tx },
      {
        meeting: {
          id,
          title: input.title.trim(),
          unit: input.unit.trim(),
          kind: input.kind,
          formIds: input.formIds,
          minOverride: input.minRespondents ?? null,
          minOverrideReason: input.minRespondents !== undefined ? (input.minReason?.trim() ?? null) : null,
          staffCount: input.staffCount ?? null,
          settings: { minimumBases: minimumBasesOf(forms, input.formIds), ...(input.smallUnitExcellentException ? { smallUnitExcellentException: true } : {}), ...(input.pointMaps ? { pointMaps: input.pointMaps } : {}) },
          createdBy: actor.id,
        },
        subjects: input.subjects.map((s, i) => ({
          id: randomId(9),
          meetingId: id,
          position: i,
          name: s.name.trim(),
          // 'candidate' is stored as text like the other kinds; schema.ts's enum types only the first three.
          kind: s.kind,
          title: s.title?.trim() || null,
          isHead: s.isHead ?? false,
        })),
        categories: cats.map((c, i) => ({ meetingId: id, key: c.key, label: c.label, weight: c.weight, position: i })),
        assessorIds: [...assessorIds],
      },
    );
    await recordAudit({ db: tx }, { actor: actor.username, action: 'meeting.create', meetingId: id, detail: { title: input.title, kind: input.kind, minRespondents: input.minRespondents ?? null, minReason: input.minReason ?? null, smallUnitExcellentException: input.smallUnitExcellentException ?? false, pointMaps: input.pointMaps ?? null } });
  });
  return (await findMeeting({ db }, id))!;
}

export async function loadMeeting({ db }: { db: Conn }, id: string): Promise<MeetingRecord> {
  const rec = await findMeeting({ db }, id);
  if (!rec) throw meetingErrors.notFound();
  return rec;
}

const meetingCache = new WeakMap<object, Map<string, MeetingRecord>>();

/**
 * loadMeeting for the voter's hot path: the record is reused while the meeting's version is unchanged
 * (updateMeeting bumps it on every change), so a page load or a submit reads one small row, not four tables.
 */
export async function loadMeetingCached({ db }: { db: Db }, id: string): Promise<MeetingRecord> {
  const version = await meetingVersionOf({ db }, id);
  if (version === undefined) throw meetingErrors.notFound();
  let byDb = meetingCache.get(databaseKey(db));
  if (!byDb) meetingCache.set(databaseKey(db), (byDb = new Map()));
  const hit = byDb.get(id);
  if (hit && hit.meeting.version === version) return hit;
  const rec = await loadMeeting({ db }, id);
  byDb.set(id, rec);
  return rec;
}

/** The cached record of a meeting when it is at `version` (read by the caller in its own snapshot); else undefined. */
export function cachedMeetingAt({ db }: { db: Db }, id: string, version: number): MeetingRecord | undefined {
  const hit = meetingCache.get(databaseKey(db))?.get(id);
  return hit?.meeting.version === version ? hit : undefined;
}

/** The minimum in force and the rule that set it (meetings created before the settings: by kind, as then). */
export function minimumDecision(rec: MeetingRecord): MinimumDecision {
  const m = rec.meeting;
  return decideMinimum({ kind: m.kind, override: m.minOverride, staffCount: m.staffCount, signedIn: m.signedIn, ...(m.settings?.minimumBases ? { bases: m.settings.minimumBases } : {}) });
}

export function minimumOf(rec: MeetingRecord): number | null {
  return minimumDecision(rec).min;
}

export function meetingView(rec: MeetingRecord) {
  const m = rec.meeting;
  return {
    id: m.id,
    title: m.title,
    unit: m.unit,
    kind: m.kind,
    kindLabel: MEETING_KIND_LABELS[m.kind],
    status: m.status,
    minRespondents: minimumOf(rec),
    minOverrideReason: m.minOverrideReason,
    smallUnitExcellentException: m.settings?.smallUnitExcellentException ?? false,
    ...(m.settings?.pointMaps ? { pointMaps: m.settings.pointMaps } : {}),
    staffCount: m.staffCount,
    signedIn: m.signedIn,
    interviews: m.interviews,
    formIds: m.formIds,
    subjects: rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title, isHead: s.isHead })),
    categories: rec.categories.map((c) => ({ key: c.key, label: c.label, weight: c.weight })),
    assessorIds: rec.assessorIds,
    createdAt: m.createdAt,
    closedAt: m.closedAt,
    closedBy: m.closedBy,
    publishedBallots: m.publishedBallots,
  };
}

/** The meetings a user may see: every one for an admin, those assigned to an assessor. */
export async function listMeetingViews({ db }: { db: Conn }, user: SessionUser) {
  return (await listMeetingRecords({ db }, user.role === 'admin' ? {} : { assessorId: user.id })).map(meetingView);
}

export async function openPoll({ db, forms }: Deps, actor: SessionUser, id: string, reason: string | undefined): Promise<MeetingRecord> {
  await transaction(db, async (tx) => {
    const rec = await loadMeeting({ db: tx }, id);
    const from = rec.meeting.status;
    if (from === 'open') throw meetingErrors.alreadyOpen();
    // Once results are out, a reopen lets a few late ballots be told apart by comparing publications: the results
    // module withholds small differences (admitPublication), and only an admin may reopen, with a reason.
    if (from === 'closed' && rec.meeting.publishedBallots !== null && actor.role !== 'admin') throw meetingErrors.reopenAfterPublication();
    const why = from === 'closed' ? requireReason(reason, '重新开启已结束的测评') : (reason?.trim() ?? null);
    // The ballot record layout is frozen at the first open: a reopen keeps it (forms and subjects cannot change
    // once slips exist, and stored records are read with the layout they were written with).
    const ballotLayout =
      rec.meeting.ballotLayout === null ? JSON.stringify(buildBallotLayout(meetingForms(forms, rec.meeting.formIds, rec.meeting.settings), rec.subjects)) : undefined;
    await updateMeeting({ db: tx }, id, { status: 'open', closedAt: null, closedBy: null, ...(ballotLayout !== undefined ? { ballotLayout } : {}) });
    await recordAudit({ db: tx }, { actor: actor.username, action: from === 'closed' ? 'meeting.reopen' : 'meeting.open', meetingId: id, detail: { from, reason: why } });
  });
  return loadMeeting({ db }, id);
}

export async function recordAttendance({ db }: Deps, actor: SessionUser, id: string, patch: { signedIn?: number; interviews?: number }): Promise<MeetingRecord> {
  await transaction(db, async (tx) => {
    const rec = await loadMeeting({ db: tx }, id);
    // The sign-in count can set the minimum (部门站所 without a staff count) and raises BALLOTS_EXCEED_SIGNED_IN:
    // after close it would change a stamped result, so it needs a reopen. Interviews may be recorded any time.
    if (rec.meeting.status === 'closed' && patch.signedIn !== undefined && patch.signedIn !== rec.meeting.signedIn) {
      throw meetingErrors.closed('修改签到人数');
    }
    await updateMeeting({ db: tx }, id, patch);
    await recordAudit({ db: tx }, { actor: actor.username, action: 'meeting.attendance', meetingId: id, detail: { ...patch, status: rec.meeting.status } });
  });
  return loadMeeting({ db }, id);
}

export async function assignAssessors({ db }: Deps, actor: SessionUser, id: string, assessorIds: string[]): Promise<MeetingRecord> {
  const unique = [...new Set(assessorIds)];
  for (const uid of unique) {
    const u = await findUserById({ db }, uid);
    if (!u || u.role !== 'assessor') throw meetingErrors.unknownAssessor(uid);
  }
  await transaction(db, async (tx) => {
    await loadMeeting({ db: tx }, id);
    await setAssessors({ db: tx }, id, unique);
    await recordAudit({ db: tx }, { actor: actor.username, action: 'meeting.assessors', meetingId: id, detail: { assessorIds: unique } });
  });
  return loadMeeting({ db }, id);
}

export interface MeetingEdit {
  title?: string;
  unit?: string;
  kind?: MeetingKind;
  formIds?: string[];
  subjects?: Array<{ id?: string; name: string; kind: SubjectKind; title?: string | null; isHead?: boolean }>;
  categories?: Array<{ key: string; label: string; weight: number }>;
  minRespondents?: number | null;
  minReason?: string;
  staffCount?: number | null;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Edit a draft meeting. Once any slip has been issued, what a slip or a printed paper ballot already carries stays
 * as it is: the forms, the subjects' number, order and kinds, and the respondent categories (a name or 职务 may still
 * be corrected). After the poll opens nothing here changes; correctSubject fixes a spelling with a reason.
 */
export async function editMeeting({ db, forms }: Deps, actor: SessionUser, id: string, patch: MeetingEdit): Promise<MeetingRecord> {
  await transaction(db, async (tx) => {
    const rec = await loadMeeting({ db: tx }, id);
    const m = rec.meeting;
    if (m.status !== 'draft') throw meetingErrors.notDraft();
    const known = new Map(rec.subjects.map((s) => [s.id, s]));
    const problems: string[] = [];
    for (const s of patch.subjects ?? []) if (s.id !== undefined && !known.has(s.id)) problems.push(`测评对象 ${s.id} 不属于该会议`);
    if (new Set((patch.subjects ?? []).filter((s) => s.id).map((s) => s.id)).size !== (patch.subjects ?? []).filter((s) => s.id).length) problems.push('测评对象不能重复');
    const next = {
      kind: patch.kind ?? m.kind,
      formIds: patch.formIds ?? m.formIds,
      subjects: patch.subjects ?? rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title, isHead: s.isHead })),
      categories: patch.categories ?? rec.categories.map((c) => ({ key: c.key, label: c.label, weight: c.weight })),
      minRespondents: patch.minRespondents !== undefined ? patch.minRespondents : m.minOverride,
      minReason: patch.minReason ?? m.minOverrideReason ?? undefined,
    };
    problems.push(...await meetingProblems({ db: tx, forms }, next));
    if (problems.length > 0) throw meetingErrors.invalid(problems);

    if (await hasIssuedSlips({ db: tx }, id)) {
      if (patch.formIds && !sameJson(patch.formIds, m.formIds)) throw meetingErrors.slipsIssued('更换测评表');
      const shape = (list: ReadonlyArray<{ id?: string; kind: string; isHead?: boolean | null }>) => list.map((s) => [s.id ?? null, s.kind, Boolean(s.isHead)]);
      if (patch.subjects && !sameJson(shape(patch.subjects), shape(rec.subjects))) throw meetingErrors.slipsIssued('增加、删除或调整测评对象');
      if (patch.categories && !sameJson(patch.categories, rec.categories.map((c) => ({ key: c.key, label: c.label, weight: c.weight })))) {
        throw meetingErrors.slipsIssued('修改参评人员类别');
      }
    }

    const changed = Object.keys(patch).filter((k) => k !== 'minReason' || patch.minRespondents !== undefined);
    const row: Parameters<typeof updateMeeting>[2] = {};
    if (patch.title !== undefined) row.title = patch.title.trim();
    if (patch.unit !== undefined) row.unit = patch.unit.trim();
    if (patch.kind !== undefined) row.kind = patch.kind;
    if (patch.formIds !== undefined) {
      row.formIds = patch.formIds;
      // The minimum follows the forms: keep the rule each one falls under in step.
      row.settings = { ...(m.settings ?? {}), minimumBases: minimumBasesOf(forms, patch.formIds) };
    }
    if (patch.staffCount !== undefined) row.staffCount = patch.staffCount;
    if (patch.minRespondents !== undefined) {
      row.minOverride = patch.minRespondents;
      row.minOverrideReason = patch.minRespondents === null ? null : (patch.minReason?.trim() ?? null);
    } else if (patch.minReason !== undefined && m.minOverride !== null) {
      row.minOverrideReason = patch.minReason.trim();
    }
    if (Object.keys(row).length > 0) await updateMeeting({ db: tx }, id, row);
    if (patch.subjects) {
      await replaceSubjects(
        { db: tx },
        id,
        patch.subjects.map((s, i) => ({ id: s.id ?? randomId(9), meetingId: id, position: i, name: s.name.trim(), kind: s.kind, title: s.title?.trim() || null, isHead: s.isHead ?? false })),
      );
    }
    if (patch.categories) await replaceCategories({ db: tx }, id, patch.categories.map((c, i) => ({ meetingId: id, key: c.key, label: c.label, weight: c.weight, position: i })));
    await recordAudit(
      { db: tx },
      {
        actor: actor.username,
        action: 'meeting.update',
        meetingId: id,
        detail: {
          changed,
          ...(patch.title !== undefined ? { title: { from: m.title, to: row.title } } : {}),
          ...(patch.unit !== undefined ? { unit: { from: m.unit, to: row.unit } } : {}),
          ...(patch.kind !== undefined ? { kind: { from: m.kind, to: patch.kind } } : {}),
          ...(patch.subjects ? { subjects: { from: rec.subjects.length, to: patch.subjects.length } } : {}),
          ...(patch.minRespondents !== undefined ? { minRespondents: patch.minRespondents, minReason: row.minOverrideReason ?? null } : {}),
        },
      },
    );
  });
  return loadMeeting({ db }, id);
}

/**
 * Correct the spelling of a subject's name or 职务. Ballots answer by the subject's id, so no answer changes; once
 * the poll has opened the fix needs a written reason, and the audit log keeps the old and new text with it.
 */
export async function correctSubject({ db }: Deps, actor: SessionUser, id: string, subjectId: string, patch: { name?: string; title?: string | null; reason?: string }): Promise<MeetingRecord> {
  await transaction(db, async (tx) => {
    const rec = await loadMeeting({ db: tx }, id);
    const subject = rec.subjects.find((s) => s.id === subjectId);
    if (!subject) throw meetingErrors.subjectNotFound();
    const reason = rec.meeting.status === 'draft' ? (patch.reason?.trim() ?? null) : requireReason(patch.reason, '测评开始后更正测评对象的姓名或职务');
    const name = patch.name !== undefined ? patch.name.trim() : subject.name;
    if (name === '') throw meetingErrors.invalid(['测评对象姓名不能为空']);
    const title = patch.title !== undefined ? patch.title?.trim() || null : subject.title;
    if (name === subject.name && title === subject.title) throw meetingErrors.nothingToCorrect();
    await correctSubjectRow({ db: tx }, id, subjectId, { name, title });
    await recordAudit(
      { db: tx },
      {
        actor: actor.username,
        action: 'meeting.subject.correct',
        meetingId: id,
        detail: { subjectId, from: { name: subject.name, title: subject.title }, to: { name, title }, reason, status: rec.meeting.status },
      },
    );
  });
  return loadMeeting({ db }, id);
}

/** Delete a draft for which no slip has been issued (a printed slip must never point at nothing). */
export async function deleteDraftMeeting({ db }: Deps, actor: SessionUser, id: string): Promise<{ deleted: true; id: string; message: string }> {
  let title = '';
  await transaction(db, async (tx) => {
    const rec = await loadMeeting({ db: tx }, id);
    if (rec.meeting.status !== 'draft') throw meetingErrors.notDraft();
    if (await hasIssuedSlips({ db: tx }, id)) throw meetingErrors.slipsIssued('删除会议');
    if (await isLinkedToRound({ db: tx }, id)) throw meetingErrors.linkedToRound();
    title = rec.meeting.title;
    await deleteMeetingRow({ db: tx }, id);
    await recordAudit({ db: tx }, { actor: actor.username, action: 'meeting.delete', meetingId: id, detail: { title: rec.meeting.title, unit: rec.meeting.unit, kind: rec.meeting.kind } });
  });
  return { deleted: true, id, message: `已删除测评会议“${title}”` };
}
