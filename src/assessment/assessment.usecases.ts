// Assessment rounds: define a round, enter scores, link meetings, compute the ranking, record final grades.
// Each write is one synchronous transaction and one audit entry.
import { transaction, type Conn, type Db } from '../db/client.js';
import { catalogueOf, inputsOf, parseScheme, type CadreRules, type Component, type Scheme } from '../domain/assessment/scheme.js';
import { ballotScoreFromTally, ballotUsable, deductionPoints, scoreUnit, type BallotScore, type ComponentScore, type UnitScore } from '../domain/assessment/score.js';
import { gradeCadres, rankDomain, type DomainRanking, type GradedCadre, type PartyBuildingGrade, type PartyRole, type QuotaInfo, type Secondment, type Suggestion, type UnitFacts } from '../domain/assessment/grading.js';
import type { Flag } from '../domain/tally.js';
import type { FormTemplate } from '../domain/forms.js';
import { documentTitle } from '../domain/sources.js';
import type { FormCatalog } from '../forms/index.js';
import { recordAudit } from '../audit/index.js';
import { findMeetingRecord } from '../meetings/index.js';
import { tallyResults } from '../results/index.js';
import type { SessionUser } from '../auth/index.js';
import { AppError, notFound, unprocessable } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import {
  deleteDeduction,
  deleteLink,
  findRound,
  findUnit,
  findUnits,
  insertCadres,
  insertDeduction,
  insertRound,
  insertUnits,
  listRounds,
  updateCadre,
  updatePartyBuildingLink,
  updateUnitFacts,
  upsertDecision,
  upsertInput,
  upsertLink,
  type CadreRow,
  type DecisionRow,
  type RoundRecord,
  type UnitRow,
} from './assessment.repository.js';

export interface Deps {
  db: Db;
  forms: FormCatalog;
  schemes: ReadonlyMap<string, Scheme>;
  now?: () => Date;
}

const nowIso = (d: Deps) => (d.now ?? (() => new Date()))().toISOString();

export async function loadRound({ db }: { db: Conn }, id: string): Promise<RoundRecord> {
  const rec = await findRound({ db }, id);
  if (!rec) throw notFound('考核轮次', 'ROUND_NOT_FOUND');
  return rec;
}

/** The scheme a round was created with (stored with the round; re-validated on read). */
export function roundScheme(rec: RoundRecord): Scheme {
  return parseScheme(rec.round.scheme, `round ${rec.round.id}`);
}

function unitOf(rec: RoundRecord, unitId: string): UnitRow {
  const u = rec.units.find((x) => x.id === unitId);
  if (!u) throw notFound('考核单位', 'UNIT_NOT_FOUND');
  return u;
}

function componentsOf(scheme: Scheme, domain: string): Component[] {
  const d = scheme.domains.find((x) => x.key === domain);
  if (!d) throw unprocessable('UNKNOWN_DOMAIN', `考核方案中没有领域“${domain}”`);
  return scheme.formulas[d.formula]!;
}

const audit = (tx: Conn, d: Deps, actor: SessionUser, action: string, detail: Record<string, unknown>) => recordAudit({ db: tx }, { actor: actor.username, action, meetingId: null, detail }, d.now);

export async function createRound(d: Deps, actor: SessionUser, input: { title: string; schemeId: string }): Promise<RoundRecord> {
  const scheme = d.schemes.get(input.schemeId);
  if (!scheme) throw unprocessable('UNKNOWN_SCHEME', `考核方案“${input.schemeId}”不存在`);
  const id = randomId();
  await transaction(d.db, async (tx) => {
    await insertRound({ db: tx }, { id, title: input.title.trim(), schemeId: scheme.id, scheme: scheme as unknown as Record<string, unknown>, createdBy: actor.username, createdAt: nowIso(d) });
    await recordAudit({ db: tx }, { actor: actor.username, action: 'assessment.round.create', meetingId: null, detail: { roundId: id, title: input.title.trim(), schemeId: scheme.id } }, d.now);
  });
  return loadRound(d, id);
}

export async function addUnits(d: Deps, actor: SessionUser, roundId: string, units: Array<{ domain: string; name: string }>): Promise<RoundRecord> {
  const rec = await loadRound(d, roundId);
  const scheme = roundScheme(rec);
  const problems: string[] = [];
  const names = new Set(rec.units.map((u) => u.name));
  for (const u of units) {
    const name = u.name.trim();
    if (!scheme.domains.some((x) => x.key === u.domain)) problems.push(`领域“${u.domain}”不在考核方案中`);
    if (name === '') problems.push('单位名称不能为空');
    else if (names.has(name)) problems.push(`单位“${name}”重复`);
    names.add(name);
  }
  if (problems.length > 0) throw unprocessable('INVALID_UNITS', problems.join('；'), problems);
  await transaction(d.db, async (tx) => {
    await insertUnits(
      { db: tx },
      units.map((u, i) => ({ id: randomId(), roundId, domain: u.domain, name: u.name.trim(), position: rec.units.length + i, facts: {} })),
    );
    await audit(tx, d, actor, 'assessment.units.add', { roundId, units: units.map((u) => ({ domain: u.domain, name: u.name.trim() })) });
  });
  return loadRound(d, roundId);
}

export interface FactsInput extends UnitFacts {
  note: string;
  evidence: string;
}

export async function setFacts(d: Deps, actor: SessionUser, roundId: string, unitId: string, facts: FactsInput): Promise<RoundRecord> {
  const rec = await loadRound(d, roundId);
  const unit = unitOf(rec, unitId);
  const stored = { ...facts, note: facts.note.trim(), evidence: facts.evidence.trim(), enteredBy: actor.username, enteredAt: nowIso(d) };
  await transaction(d.db, async (tx) => {
    await updateUnitFacts({ db: tx }, unitId, stored);
    await audit(tx, d, actor, 'assessment.facts.set', { roundId, unitId, unit: unit.name, facts: stored });
  });
  return loadRound(d, roundId);
}

export async function enterInput(d: Deps, actor: SessionUser, roundId: string, unitId: string, input: string, body: { value: number | string; note: string; evidence: string }): Promise<RoundRecord> {
  const rec = await loadRound(d, roundId);
  const unit = unitOf(rec, unitId);
  const spec = inputsOf(componentsOf(roundScheme(rec), unit.domain)).find((s) => s.input === input);
  if (!spec) throw unprocessable('UNKNOWN_INPUT', `“${unit.name}”的考核方案中没有可录入的项目“${input}”`);
  if (spec.kind === 'level') {
    if (typeof body.value !== 'string' || !spec.levels.includes(body.value)) throw unprocessable('INVALID_INPUT', `“${spec.label}”须为以下之一：${spec.levelLabels.join('、')}`);
  } else if (typeof body.value !== 'number' || body.value < spec.min || body.value > spec.max || (spec.integer && !Number.isInteger(body.value))) {
    throw unprocessable('INVALID_INPUT', `“${spec.label}”须为 ${spec.min}–${spec.max} 之间的${spec.integer ? '整数' : '数值'}`);
  }
  await transaction(d.db, async (tx) => {
    await upsertInput({ db: tx }, { unitId, input, value: body.value, note: body.note.trim(), evidence: body.evidence.trim(), enteredBy: actor.username, enteredAt: nowIso(d) });
    await audit(tx, d, actor, 'assessment.input.enter', { roundId, unitId, unit: unit.name, input, value: body.value, note: body.note.trim(), evidence: body.evidence.trim() });
  });
  return loadRound(d, roundId);
}

export async function addDeduction(
  d: Deps,
  actor: SessionUser,
  roundId: string,
  unitId: string,
  body: { indicatorId: string; ruleId: string; occurrences?: number; note: string; evidence: string },
): Promise<RoundRecord> {
  const rec = await loadRound(d, roundId);
  const unit = unitOf(rec, unitId);
  const scheme = roundScheme(rec);
  if (!componentsOf(scheme, unit.domain).some((c) => c.type === 'deduction')) throw unprocessable('NO_DEDUCTIONS', '该考核方案不采用扣分制指标');
  const catalogue = catalogueOf(scheme, unit.domain);
  if (catalogue === null) throw unprocessable('NO_CATALOGUE', `“${unit.name}”所在领域尚无扣分指标目录，不能录入扣分`);
  const indicator = catalogue.find((i) => i.id === body.indicatorId);
  const rule = indicator?.rules.find((r) => r.id === body.ruleId);
  if (!indicator || !rule) throw unprocessable('UNKNOWN_RULE', `指标“${body.indicatorId}”下没有扣分细则“${body.ruleId}”`);
  const occurrences = body.occurrences ?? 1;
  if (!rule.per && occurrences !== 1) throw unprocessable('INVALID_OCCURRENCES', '该细则为固定扣分，不按次数计');
  const points = deductionPoints(rule, occurrences);
  await transaction(d.db, async (tx) => {
    const id = randomId();
    await insertDeduction({ db: tx }, { id, unitId, indicatorId: indicator.id, ruleId: rule.id, occurrences, points, note: body.note.trim(), evidence: body.evidence.trim(), enteredBy: actor.username, enteredAt: nowIso(d) });
    await audit(tx, d, actor, 'assessment.deduction.add', { roundId, unitId, unit: unit.name, deductionId: id, indicatorId: indicator.id, ruleId: rule.id, occurrences, points, note: body.note.trim(), evidence: body.evidence.trim() });
  });
  return loadRound(d, roundId);
}

export async function withdrawDeduction(d: Deps, actor: SessionUser, roundId: string, unitId: string, deductionId: string, reason: string): Promise<RoundRecord> {
  const rec = await loadRound(d, roundId);
  const unit = unitOf(rec, unitId);
  await transaction(d.db, async (tx) => {
    const row = await deleteDeduction({ db: tx }, unitId, deductionId);
    if (!row) throw notFound('扣分记录', 'DEDUCTION_NOT_FOUND');
    await audit(tx, d, actor, 'assessment.deduction.withdraw', { roundId, unitId, unit: unit.name, deduction: row, reason: reason.trim() });
  });
  return loadRound(d, roundId);
}

/** A form whose graded items all rate persons one by one (e.g. the 述职评议 of several secretaries). */
function ratesPersonsAlone(form: FormTemplate | undefined): boolean {
  const graded = form?.questions.filter((q) => q.type === 'graded') ?? [];
  return graded.length > 0 && graded.every((q) => q.type === 'graded' && q.subjects !== undefined && q.subjects.every((k) => k === 'person'));
}

export async function linkMeeting(d: Deps, actor: SessionUser, roundId: string, unitId: string, component: string, body: { meetingId: string; formId: string; subjectId?: string | null }): Promise<RoundRecord> {
  const rec = await loadRound(d, roundId);
  const unit = unitOf(rec, unitId);
  const comp = componentsOf(roundScheme(rec), unit.domain).find((c) => c.key === component);
  if (!comp || comp.type !== 'ballot') throw unprocessable('NOT_A_BALLOT_COMPONENT', `“${component}”不是由测评票计分的项目`);
  const m = await findMeetingRecord({ db: d.db }, body.meetingId);
  if (!m) throw notFound('测评会议', 'MEETING_NOT_FOUND');
  if (!m.meeting.formIds.includes(body.formId)) throw unprocessable('FORM_NOT_IN_MEETING', `会议“${m.meeting.title}”未使用测评表“${body.formId}”`);
  const subjectId = body.subjectId ?? null;
  if (subjectId !== null) {
    const s = m.subjects.find((x) => x.id === subjectId);
    if (!s) throw unprocessable('SUBJECT_NOT_IN_MEETING', '测评对象不属于该会议');
    // A person feeds a unit only through a form that rates each person alone, such as the 述职评议 of every
    // township secretary in one 常委会 sitting (seed 002_ef31b3aa8f1f181a.txt: "由市委召开常委会议专门听取镇街党委
    // 书记抓基层党建工作的述职报告并开展评议"): the unit takes its own secretary's rating.
    if (s.kind === 'person' && !ratesPersonsAlone(d.forms.get(body.formId))) throw unprocessable('SUBJECT_NOT_A_TEAM', '单位得分须取自领导班子或党组织；个人只能通过逐人评议的述职评议表关联到其所在单位');
    if (s.kind !== 'team' && s.kind !== 'organisation' && s.kind !== 'person') throw unprocessable('SUBJECT_NOT_A_TEAM', '单位得分须取自领导班子或党组织，而非个人');
  }
  await transaction(d.db, async (tx) => {
    await upsertLink({ db: tx }, { unitId, component, meetingId: m.meeting.id, formId: body.formId, subjectId });
    await audit(tx, d, actor, 'assessment.meeting.link', { roundId, unitId, unit: unit.name, component, meetingId: m.meeting.id, formId: body.formId, subjectId });
  });
  return loadRound(d, roundId);
}

/** Unlinks a meeting from a component, with a reason (e.g. the committee accepts a score held on paper instead). */
export async function unlinkMeeting(d: Deps, actor: SessionUser, roundId: string, unitId: string, component: string, reason: string): Promise<RoundRecord> {
  const rec = await loadRound(d, roundId);
  const unit = unitOf(rec, unitId);
  await transaction(d.db, async (tx) => {
    const row = await deleteLink({ db: tx }, unitId, component);
    if (!row) throw notFound('会议关联', 'LINK_NOT_FOUND');
    await audit(tx, d, actor, 'assessment.meeting.unlink', { roundId, unitId, unit: unit.name, component, meetingId: row.meetingId, formId: row.formId, subjectId: row.subjectId, reason: reason.trim() });
  });
  return loadRound(d, roundId);
}

/** Facts about a cadre that change how they are graded (seed 004; seed 001 第十七条). */
export interface CadreFactsBody {
  underInvestigation?: boolean;
  retired?: boolean;
  secondment?: Secondment;
  partyRole?: PartyRole;
}

export interface CadreInputBody extends CadreFactsBody {
  name: string;
  title?: string;
  isHead?: boolean;
  score?: number | null;
  noExcellentInDaily?: boolean;
}

/** A fact is recorded only where the round's scheme (as it stood when the round was created) has its rule. */
function assertCadreFacts(rules: CadreRules, facts: readonly CadreFactsBody[]): void {
  const missing = new Set<string>();
  for (const c of facts) {
    if (c.underInvestigation && !rules.investigation) missing.add('立案审查调查尚未结案');
    if (c.retired && !rules.retired) missing.add('12月31日前退休');
    if (c.secondment && c.secondment !== 'none' && !rules.secondment) missing.add('挂职');
    if (c.partyRole && c.partyRole !== 'none' && !rules.partyBuilding) missing.add('党委（党组）书记、分管党建工作的副职');
  }
  if (missing.size > 0) throw unprocessable('RULE_NOT_IN_SCHEME', `本轮次创建时的考核方案没有相应规则，不能录入：${[...missing].join('、')}`);
}

/** One head per unit; where heads are assessed apart (seed 004: 乡镇党政正职), as many as the scheme allows. */
function assertHeads(rules: CadreRules | undefined, heads: number): void {
  const max = rules?.apart?.maxHeads ?? 1;
  if (heads > max) throw unprocessable('ONE_HEAD', max === 1 ? '每个单位只能有一名主要负责人' : `每个单位最多 ${max} 名党政正职（主要负责人）`);
}

export async function addCadres(d: Deps, actor: SessionUser, roundId: string, unitId: string, cadres: CadreInputBody[]): Promise<RoundRecord> {
  const rec = await loadRound(d, roundId);
  const unit = unitOf(rec, unitId);
  const rules = roundScheme(rec).cadres;
  if (!rules) throw unprocessable('NO_CADRE_RULES', '该考核方案不评定领导干部等次');
  const existing = rec.cadres.filter((c) => c.unitId === unitId);
  const heads = existing.filter((c) => c.isHead).length + cadres.filter((c) => c.isHead).length;
  assertHeads(rules, heads);
  if (cadres.some((c) => c.name.trim() === '')) throw unprocessable('INVALID_CADRE', '干部姓名不能为空');
  assertCadreFacts(rules, cadres);
  await transaction(d.db, async (tx) => {
    await insertCadres(
      { db: tx },
      cadres.map((c, i) => ({
        id: randomId(),
        unitId,
        name: c.name.trim(),
        title: c.title?.trim() || null,
        isHead: c.isHead ?? false,
        score: c.score ?? null,
        noExcellentInDaily: c.noExcellentInDaily ?? false,
        underInvestigation: c.underInvestigation ?? false,
        retired: c.retired ?? false,
        secondment: c.secondment ?? 'none',
        partyRole: c.partyRole ?? 'none',
        position: existing.length + i,
      })),
    );
    await audit(tx, d, actor, 'assessment.cadres.add', {
      roundId,
      unitId,
      unit: unit.name,
      cadres: cadres.map((c) => ({ name: c.name.trim(), isHead: c.isHead ?? false, score: c.score ?? null, underInvestigation: c.underInvestigation ?? false, retired: c.retired ?? false, secondment: c.secondment ?? 'none', partyRole: c.partyRole ?? 'none' })),
    });
  });
  return loadRound(d, roundId);
}

export async function editCadre(d: Deps, actor: SessionUser, roundId: string, cadreId: string, patch: CadreFactsBody & { score?: number | null; noExcellentInDaily?: boolean; isHead?: boolean; title?: string }): Promise<RoundRecord> {
  const rec = await loadRound(d, roundId);
  const cadre = rec.cadres.find((c) => c.id === cadreId);
  if (!cadre) throw notFound('干部', 'CADRE_NOT_FOUND');
  const rules = roundScheme(rec).cadres;
  if (patch.isHead && !cadre.isHead) assertHeads(rules, rec.cadres.filter((c) => c.unitId === cadre.unitId && c.isHead).length + 1);
  if (rules) assertCadreFacts(rules, [patch]);
  await transaction(d.db, async (tx) => {
    await updateCadre({ db: tx }, cadreId, { ...patch, ...(patch.title !== undefined ? { title: patch.title.trim() || null } : {}) });
    await audit(tx, d, actor, 'assessment.cadre.edit', { roundId, cadreId, name: cadre.name, patch });
  });
  return loadRound(d, roundId);
}

/**
 * Links a unit of an annual cadre round to the same unit in a 党建工作成效考核 round, whose grade decides whether its
 * secretary and its deputy for party building may be 优秀 (seed 001_98ca728807ffae1b.txt 第十七条); null unlinks.
 */
export async function linkPartyBuilding(d: Deps, actor: SessionUser, roundId: string, unitId: string, partyBuildingUnitId: string | null): Promise<RoundRecord> {
  const rec = await loadRound(d, roundId);
  const unit = unitOf(rec, unitId);
  const rule = roundScheme(rec).cadres?.partyBuilding;
  if (!rule) throw unprocessable('NO_PARTY_BUILDING_RULE', '本轮次的考核方案没有党建工作成效考核结果运用的规则，不能关联');
  let detail: Record<string, unknown> = { partyBuildingUnitId: null };
  if (partyBuildingUnitId !== null) {
    const target = await findUnit(d, partyBuildingUnitId);
    if (!target) throw unprocessable('PARTY_BUILDING_UNIT_NOT_FOUND', '所选的党建工作成效考核单位不存在');
    const other = await loadRound(d, target.roundId);
    const seed = rule.rule.seed ?? roundScheme(rec).source.seed;
    if (other.round.id === roundId || roundScheme(other).source.seed !== seed) {
      throw unprocessable('NOT_A_PARTY_BUILDING_UNIT', `所选单位不属于依据${documentTitle(seed)}的考核轮次`);
    }
    detail = { partyBuildingUnitId, partyBuildingUnit: target.name, partyBuildingRound: other.round.title };
  }
  await transaction(d.db, async (tx) => {
    await updatePartyBuildingLink({ db: tx }, unitId, partyBuildingUnitId);
    await audit(tx, d, actor, 'assessment.party-building.link', { roundId, unitId, unit: unit.name, ...detail });
  });
  return loadRound(d, roundId);
}

// ---------------------------------------------------------------------------------------------------------
// The ranking

export interface DecisionView {
  grade: string;
  suggested: string | null;
  reason: string | null;
  decidedBy: string;
  decidedAt: string;
  /** The grade differs from the suggestion made when it was recorded. */
  departsFromSuggestion: boolean;
  /** The suggestion has changed since (new scores came in): the decision may need a second look. */
  suggestionChanged: boolean;
}

export interface RankedUnitView {
  id: string;
  name: string;
  rank: number | null;
  total: number | null;
  complete: boolean;
  components: ComponentScore[];
  flags: Flag[];
  suggestion: Suggestion;
  decision: DecisionView | null;
  cadres?: {
    teamGrade: string | null;
    teamGradeSource: 'final' | 'suggested' | 'none';
    /**
     * The linked unit of a 党建工作成效考核 round and its grade (seed 001 第十七条); null when not linked; absent when the
     * round's scheme has no such rule.
     */
    partyBuilding?: PartyBuildingView | null;
    quota: QuotaInfo;
    flags: Flag[];
    cadres: Array<GradedCadre & { title: string | null; decision: DecisionView | null }>;
  };
}

export interface PartyBuildingView extends PartyBuildingGrade {
  unitId: string;
  unitName: string;
  roundId: string;
  roundTitle: string;
}

export interface DomainView {
  key: string;
  label: string;
  gradingType: 'quota' | 'bands';
  scale: string[];
  provisional: boolean;
  flags: Flag[];
  quotas: QuotaInfo[];
  units: RankedUnitView[];
}

export interface RoundRanking {
  roundId: string;
  title: string;
  schemeId: string;
  schemeTitle: string;
  seed: string;
  /** The seed document by its own title (users see this, never the seed file or the scheme id). */
  document: string;
  cadreScale: string[] | null;
  domains: DomainView[];
}

function decisionView(row: DecisionRow | undefined, current: string | null): DecisionView | null {
  if (!row) return null;
  return {
    grade: row.grade,
    suggested: row.suggested,
    reason: row.reason,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt,
    departsFromSuggestion: row.grade !== row.suggested,
    suggestionChanged: row.suggested !== current,
  };
}

/** Ballot scores of a round's links, tallying each linked meeting once. */
async function ballotScores(d: Deps, rec: RoundRecord): Promise<Map<string, Record<string, BallotScore>>> {
  const tallies = new Map<string, Awaited<ReturnType<typeof tallyResults>> | null>();
  const out = new Map<string, Record<string, BallotScore>>();
  for (const l of rec.links) {
    if (!tallies.has(l.meetingId)) {
      const m = await findMeetingRecord({ db: d.db }, l.meetingId);
      tallies.set(l.meetingId, m ? await tallyResults({ db: d.db, forms: d.forms }, m) : null);
    }
    const t = tallies.get(l.meetingId)!;
    const per = out.get(l.unitId) ?? {};
    if (!t) {
      per[l.component] = { meetingId: l.meetingId, meetingTitle: '（会议不存在）', formId: l.formId, subjectId: l.subjectId, value: null, items: 0, usable: false, flags: [{ code: 'MEETING_MISSING', message: '关联的测评会议不存在' }] };
    } else {
      const v = ballotScoreFromTally(t.forms, l.formId, l.subjectId);
      const u = ballotUsable(t.status, t.flags);
      per[l.component] = { meetingId: l.meetingId, meetingTitle: t.title, formId: l.formId, subjectId: l.subjectId, value: v.value, items: v.items, usable: u.usable, flags: u.flags };
    }
    out.set(l.unitId, per);
  }
  return out;
}

/**
 * The grades of the 党建工作成效考核 units a cadre round's units link to: final if recorded, else the suggestion. Each
 * linked round is ranked once, without following links of its own.
 */
async function partyBuildingGrades(d: Deps, rec: RoundRecord): Promise<Map<string, PartyBuildingView>> {
  const out = new Map<string, PartyBuildingView>();
  const linked = await findUnits(d, [...new Set(rec.units.flatMap((u) => (u.partyBuildingUnitId ? [u.partyBuildingUnitId] : [])))]);
  for (const roundId of new Set(linked.map((u) => u.roundId))) {
    const other = await findRound(d, roundId);
    if (!other) continue;
    const ranking = await computeRanking(d, other, false);
    for (const dom of ranking.domains) {
      for (const u of dom.units) {
        const grade = u.decision?.grade ?? u.suggestion.grade;
        out.set(u.id, { unitId: u.id, unitName: u.name, roundId, roundTitle: ranking.title, grade, source: u.decision ? 'final' : grade !== null ? 'suggested' : 'none' });
      }
    }
  }
  return out;
}

export async function computeRanking(d: Deps, rec: RoundRecord, followLinks = true): Promise<RoundRanking> {
  const scheme = roundScheme(rec);
  const seed = scheme.source.seed;
  const ballots = await ballotScores(d, rec);
  const partyBuilding = followLinks && scheme.cadres?.partyBuilding ? await partyBuildingGrades(d, rec) : new Map<string, PartyBuildingView>();
  const decisions = new Map(rec.decisions.map((x) => [x.targetId, x]));
  const domains: DomainView[] = scheme.domains.map((dom) => {
    const components = scheme.formulas[dom.formula]!;
    const grading = scheme.gradings[dom.grading]!;
    const units = rec.units.filter((u) => u.domain === dom.key);
    const scores = new Map<string, UnitScore>();
    for (const u of units) {
      const entered: Record<string, number | string> = {};
      for (const i of rec.inputs) if (i.unitId === u.id) entered[i.input] = i.value;
      scores.set(u.id, scoreUnit(components, catalogueOf(scheme, dom.key), { entered, deductions: rec.deductions.filter((x) => x.unitId === u.id), ballots: ballots.get(u.id) ?? {} }));
    }
    const ranking: DomainRanking = rankDomain(
      grading,
      seed,
      units.map((u) => ({ id: u.id, name: u.name, total: scores.get(u.id)!.total, facts: u.facts as UnitFacts })),
    );
    return {
      key: dom.key,
      label: dom.label,
      gradingType: grading.type,
      scale: grading.scale,
      provisional: ranking.provisional,
      flags: ranking.flags,
      quotas: ranking.quotas,
      units: ranking.units.map((r): RankedUnitView => {
        const s = scores.get(r.id)!;
        const decision = decisionView(decisions.get(r.id), r.suggestion.grade);
        const view: RankedUnitView = { id: r.id, name: r.name, rank: r.rank, total: r.total, complete: s.complete, components: s.components, flags: s.flags, suggestion: r.suggestion, decision };
        if (scheme.cadres) {
          const teamGrade = decision?.grade ?? r.suggestion.grade;
          const rows: CadreRow[] = rec.cadres.filter((c) => c.unitId === r.id);
          const unitRow = rec.units.find((x) => x.id === r.id);
          const pb = unitRow?.partyBuildingUnitId ? (partyBuilding.get(unitRow.partyBuildingUnitId) ?? null) : null;
          const graded = gradeCadres(
            scheme.cadres,
            seed,
            teamGrade,
            rows.map((c) => ({
              id: c.id,
              name: c.name,
              isHead: c.isHead,
              score: c.score,
              noExcellentInDaily: c.noExcellentInDaily,
              underInvestigation: c.underInvestigation,
              retired: c.retired,
              secondment: c.secondment,
              partyRole: c.partyRole,
            })),
            (unitRow?.facts ?? {}) as UnitFacts,
            pb ? { grade: pb.grade, source: pb.source } : null,
          );
          view.cadres = {
            teamGrade,
            teamGradeSource: decision ? 'final' : r.suggestion.grade ? 'suggested' : 'none',
            ...(scheme.cadres.partyBuilding ? { partyBuilding: pb } : {}),
            quota: graded.quota,
            flags: graded.flags,
            cadres: graded.cadres.map((c, i) => ({ ...c, title: rows[i]!.title, decision: decisionView(decisions.get(c.id), c.suggestion.grade) })),
          };
        }
        return view;
      }),
    };
  });
  return { roundId: rec.round.id, title: rec.round.title, schemeId: scheme.id, schemeTitle: scheme.title, seed, document: documentTitle(seed), cadreScale: scheme.cadres?.scale ?? null, domains };
}

export async function roundRanking(d: Deps, roundId: string): Promise<RoundRanking> {
  // One read transaction, so that every tally and every entered score belong to the same moment.
  return transaction(d.db, async () => computeRanking(d, await loadRound(d, roundId)));
}

/** Records the final grade of a unit or a cadre; a grade other than the suggestion needs a written reason. */
export async function recordGrade(d: Deps, actor: SessionUser, roundId: string, body: { targetType: 'unit' | 'cadre'; targetId: string; grade: string; reason?: string }): Promise<DecisionView> {
  return transaction(d.db, async (tx) => {
    const rec = await loadRound({ db: tx }, roundId);
    // One connection: reads through d.db inside this callback see the transaction.
    const ranking = await computeRanking(d, rec);
    let suggestion: Suggestion | undefined;
    let scale: string[] = [];
    let name = '';
    for (const dom of ranking.domains) {
      for (const u of dom.units) {
        if (body.targetType === 'unit' && u.id === body.targetId) {
          suggestion = u.suggestion;
          scale = dom.scale;
          name = u.name;
        }
        if (body.targetType === 'cadre') {
          const c = u.cadres?.cadres.find((x) => x.id === body.targetId);
          if (c) {
            suggestion = c.suggestion;
            scale = ranking.cadreScale ?? [];
            name = `${u.name} ${c.name}`;
          }
        }
      }
    }
    if (!suggestion) throw notFound(body.targetType === 'unit' ? '考核单位' : '干部', body.targetType === 'unit' ? 'UNIT_NOT_FOUND' : 'CADRE_NOT_FOUND');
    if (!scale.includes(body.grade)) throw unprocessable('INVALID_GRADE', `等次须为以下之一：${scale.join('、')}`);
    // Seed 004: "……党政主要领导不能参加评优" is firm: no reason makes such a head 优秀.
    const bar = suggestion.flags.find((f) => f.code === 'HEAD_BARRED');
    if (bar && body.targetType === 'cadre' && body.grade === scale[0]) throw unprocessable('HEAD_BARRED', bar.message);
    if (body.targetType === 'cadre') {
      // Seed 004: "不确定等次,待结案后……确定", "不参加年度考核", "在原单位考核": no grade is recorded here, whatever the reason.
      const none = suggestion.flags.find((f) => f.code === 'UNDER_INVESTIGATION' || f.code === 'RETIRED' || f.code === 'ASSESSED_IN_HOME_UNIT');
      if (none) throw unprocessable(none.code === 'UNDER_INVESTIGATION' ? 'UNDER_INVESTIGATION' : 'NOT_ASSESSED_HERE', none.message);
      // Seed 001 第十七条: "……年度考核不得评定为“优秀”等次".
      const pbCap = suggestion.flags.find((f) => f.code === 'PARTY_BUILDING_BELOW_GOOD');
      if (pbCap && body.grade === scale[0]) throw unprocessable('PARTY_BUILDING_BELOW_GOOD', pbCap.message);
    }
    const reason = body.reason?.trim() ?? '';
    const departs = body.grade !== suggestion.grade;
    if (departs && reason.length < 2) {
      const apart = suggestion.flags.some((f) => f.code === 'ASSESSED_APART');
      throw new AppError(422, 'REASON_REQUIRED', apart ? '综合考核单列的正职没有本单位等次建议，确定等次须写明依据' : suggestion.grade === null ? '尚无等次建议（得分不完整），确定等次须写明理由' : `确定等次与建议等次“${suggestion.grade}”不同，须写明理由`);
    }
    const at = nowIso(d);
    await upsertDecision({ db: tx }, { targetId: body.targetId, roundId, targetType: body.targetType, grade: body.grade, suggested: suggestion.grade, reason: reason || null, decidedBy: actor.username, decidedAt: at });
    await recordAudit(
      { db: tx },
      {
        actor: actor.username,
        action: 'assessment.grade.record',
        meetingId: null,
        detail: { roundId, targetType: body.targetType, targetId: body.targetId, name, grade: body.grade, suggested: suggestion.grade, rules: suggestion.rules.map((r) => r.id), tieAtBoundary: suggestion.tieAtBoundary, reason: reason || null },
      },
      d.now,
    );
    return { grade: body.grade, suggested: suggestion.grade, reason: reason || null, decidedBy: actor.username, decidedAt: at, departsFromSuggestion: departs, suggestionChanged: false };
  });
}

export type { RoundRecord };

/** Every round, newest last, as the list shows them. */
export async function roundSummaries({ db }: { db: Db }) {
  return (await listRounds({ db })).map((r) => ({ id: r.id, title: r.title, schemeId: r.schemeId, createdBy: r.createdBy, createdAt: r.createdAt }));
}
