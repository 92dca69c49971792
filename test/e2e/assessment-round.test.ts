// Assessment rounds end to end: real meetings, slips and ballots through the HTTP API feed 述职评议 and
// 民主测评; entered scores and deductions complete the composite; the ranking, the final grades and the exports.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.repository.js';
import { fullBallot, makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

const GRADE = { 好: 'good', 较好: 'fairly-good', 一般: 'average', 差: 'poor' } as const;
type G = keyof typeof GRADE;

const ok = (res: { status: number; body: any }, status = 200) => {
  expect(res.status, JSON.stringify(res.body).slice(0, 600)).toBe(status);
  return res.body;
};

/** A meeting of the secretary's report (述职评议), kind other with a minimum of 3; casts one ballot per grade. */
async function reportMeeting(unit: string, grades: G[], spare: string[] = []): Promise<string> {
  const m = ok(
    await t.api('POST', '/api/meetings', {
      title: `${unit}党组织书记抓基层党建工作述职评议`,
      unit,
      kind: 'other',
      minRespondents: 3,
      formIds: ['village-secretary-report'],
      subjects: [{ name: `${unit}党委`, kind: 'organisation' }],
    }),
    201,
  );
  // Slips left over (handed out, not yet used) go to `spare`: a closed poll issues no more slips.
  const extra = ok(await t.api('POST', `/api/meetings/${m.id}/slips`, { count: 1 }), 201);
  spare.push(extra.tokens[0]);
  await castBallots(m.id, grades.map((g) => ({ grade: g })));
  ok(await t.api('POST', `/api/meetings/${m.id}/close`, {}));
  return m.id;
}

async function castBallots(meetingId: string, ballots: Array<{ grade: G; category?: string }>) {
  const byCategory = new Map<string | undefined, G[]>();
  for (const b of ballots) byCategory.set(b.category, [...(byCategory.get(b.category) ?? []), b.grade]);
  const slips: Array<{ token: string; grade: G }> = [];
  for (const [category, grades] of byCategory) {
    const s = ok(await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: grades.length, ...(category ? { category } : {}) }), 201);
    grades.forEach((g, i) => slips.push({ token: s.tokens[i], grade: g }));
  }
  const status = ok(await t.api('GET', `/api/meetings/${meetingId}`)).status;
  if (status !== 'open') ok(await t.api('POST', `/api/meetings/${meetingId}/open`, status === 'closed' ? { reason: '补充投票（测试）' } : {}));
  for (const s of slips) {
    const form = ok(await t.api('GET', `/api/ballot/${s.token}`));
    ok(await t.api('POST', `/api/ballot/${s.token}`, { answers: fullBallot(form, () => GRADE[s.grade]) }), 201);
  }
}

const note = { note: '依据考核组核实情况录入', evidence: '考核办〔2026〕12号台账' };

describe('a full round of 12 units under seed 001 (指标 80 + 述职评议 20, 好 ≤ 30%)', () => {
  let roundId: string;
  const unitIds = new Map<string, string>();
  let u08Meeting: string;
  const u08Spare: string[] = [];

  it('creates the round and its 12 units in the 县（区） domain (the one with its own catalogue)', async () => {
    const schemes = ok(await t.api('GET', '/api/schemes'));
    expect(schemes.map((s: any) => s.id).sort()).toEqual(['cadres-004', 'party-building-001', 'party-building-002']);
    const r = ok(await t.api('POST', '/api/rounds', { title: '2026年度党建工作成效考核', schemeId: 'party-building-001' }), 201);
    roundId = r.id;
    expect(r.scheme.domains.map((d: any) => d.label)).toContain('市管国有企业');
    const names = ['U01', 'U02', 'U03', 'U04', 'U05', 'U06', 'U07', 'U08', 'U09', 'U10', 'U11', '=SUM(1,2)单位'];
    const added = ok(await t.api('POST', `/api/rounds/${roundId}/units`, { units: names.map((n) => ({ domain: 'county', name: n })) }), 201);
    added.units.forEach((u: any, i: number) => unitIds.set(i < 11 ? names[i]! : 'U12', u.id));
    expect(unitIds.size).toBe(12);
  });

  it('feeds 述职评议 from real ballots; a meeting below its minimum is shown and not used', async () => {
    const reports: Record<string, G[]> = {
      U01: ['好', '好', '好'],
      U02: ['好', '好', '好'],
      U03: ['好', '好', '好'],
      U04: ['好', '好', '好'],
      U05: ['好', '好', '好'],
      U06: ['好', '好', '较好'],
      U07: ['好', '较好', '较好'],
      U09: ['较好', '较好', '较好'],
      U10: ['一般', '一般', '一般'],
      U11: ['一般', '一般', '一般'],
      U12: ['差', '差', '差'],
    };
    for (const [u, grades] of Object.entries(reports)) {
      const meetingId = await reportMeeting(u, grades);
      ok(await t.api('PUT', `/api/rounds/${roundId}/units/${unitIds.get(u)}/links/report-review`, { meetingId, formId: 'village-secretary-report' }));
    }
    // U08: two ballots where three are required.
    u08Meeting = await reportMeeting('U08', ['较好', '较好'], u08Spare);
    ok(await t.api('PUT', `/api/rounds/${roundId}/units/${unitIds.get('U08')}/links/report-review`, { meetingId: u08Meeting, formId: 'village-secretary-report' }));

    const r = ok(await t.api('GET', `/api/rounds/${roundId}/ranking`));
    const dom = r.domains.find((d: any) => d.key === 'county');
    expect(dom.provisional).toBe(true);
    const u08 = dom.units.find((u: any) => u.name === 'U08');
    const rr = u08.components.find((c: any) => c.key === 'report-review');
    expect(rr.ballot).toMatchObject({ value: 80, usable: false });
    expect(rr.ballot.flags.map((f: any) => f.code)).toContain('BELOW_MINIMUM');
    expect(rr.value).toBeNull();
    expect(u08).toMatchObject({ total: null, rank: null, suggestion: { grade: null } });
    // A linked unit: 3 × 好 = 100 points → 20 of the 20.
    const u01 = dom.units.find((u: any) => u.name === 'U01');
    expect(u01.components.find((c: any) => c.key === 'report-review')).toMatchObject({ value: 100, contribution: 20, source: 'ballot' });
    expect(u01.total).toBe(100);
    // The other domains are empty but present.
    expect(r.domains).toHaveLength(5);
  });

  it('a third ballot brings U08 to its minimum and the ranking becomes final', async () => {
    // The poll is reopened with a written reason and the late attendee's slip is used.
    ok(await t.api('POST', `/api/meetings/${u08Meeting}/open`, { reason: '一名参会人员迟到，补投' }));
    const form = ok(await t.api('GET', `/api/ballot/${u08Spare[0]}`));
    ok(await t.api('POST', `/api/ballot/${u08Spare[0]}`, { answers: fullBallot(form, () => GRADE['较好']) }), 201);
    ok(await t.api('POST', `/api/meetings/${u08Meeting}/close`, {}));
    const r = ok(await t.api('GET', `/api/rounds/${roundId}/ranking`));
    const u08 = r.domains[0].units.find((u: any) => u.name === 'U08');
    expect(u08.total).toBe(96); // 80 + 0.2 × 80
  });

  it('records deductions with a note and evidence, and the facts that cap or lower a grade', async () => {
    const ded = async (u: string, indicatorId: string, ruleId: string, occurrences?: number) =>
      ok(await t.api('POST', `/api/rounds/${roundId}/units/${unitIds.get(u)}/deductions`, { indicatorId, ruleId, ...(occurrences ? { occurrences } : {}), ...note }), 201);
    await ded('U03', '2', '2.2');
    await ded('U04', '1', '1.4');
    await ded('U05', '4', '4.1');
    await ded('U09', '1', '1.3', 2);
    await ded('U11', '2', '2.1');
    await ded('U11', '1', '1.4');
    const heavy = await ded('U12', '1', '1.1', 6); // 12 points under an indicator worth 10: floored at 0
    const wrong = heavy.units.find((u: any) => u.name === '=SUM(1,2)单位').deductions[0];
    expect(wrong).toMatchObject({ indicatorId: '1', ruleId: '1.1', occurrences: 6, points: 12, evidence: note.evidence });
    // A fixed deduction with a count, an unknown rule: refused.
    expect((await t.api('POST', `/api/rounds/${roundId}/units/${unitIds.get('U03')}/deductions`, { indicatorId: '2', ruleId: '2.1', occurrences: 3, ...note })).status).toBe(422);
    expect((await t.api('POST', `/api/rounds/${roundId}/units/${unitIds.get('U03')}/deductions`, { indicatorId: '2', ruleId: '9.9', ...note })).status).toBe(422);
    // Without evidence: refused by the schema.
    expect((await t.api('POST', `/api/rounds/${roundId}/units/${unitIds.get('U03')}/deductions`, { indicatorId: '2', ruleId: '2.2', note: '说明' })).status).toBe(400);

    const fact = async (u: string, f: Record<string, unknown>) => ok(await t.api('PUT', `/api/rounds/${roundId}/units/${unitIds.get(u)}/facts`, { ...f, ...note }));
    await fact('U02', { namedCriticism: true });
    await fact('U10', { satisfaction: '一般' });
    await fact('U11', { ineffective: true });
    await fact('U12', { graveProblem: true });
  });

  it('ranks the 12 units and suggests grades naming the rule and the seed, with the tie at the 好 boundary shown', async () => {
    const r = ok(await t.api('GET', `/api/rounds/${roundId}/ranking`));
    const dom = r.domains.find((d: any) => d.key === 'county');
    expect(dom.provisional).toBe(false);
    const by = (name: string) => dom.units.find((u: any) => u.name === name);
    expect(dom.units.map((u: any) => [u.name, u.total])).toEqual([
      ['U01', 100],
      ['U02', 100],
      ['U03', 99],
      ['U04', 99],
      ['U05', 99],
      ['U06', 98.666667],
      ['U07', 97.333333],
      ['U08', 96],
      ['U09', 94],
      ['U10', 92],
      ['U11', 89],
      ['=SUM(1,2)单位', 78],
    ]);
    expect(dom.units.map((u: any) => u.rank)).toEqual([1, 1, 3, 3, 3, 6, 7, 8, 9, 10, 11, 12]);
    // floor(30% × 12) = 3 places for 好; U02 is capped (named criticism) so its place passes on, but U03–U05 tie
    // at 99 across the edge: all three get the lower grade and are flagged.
    expect(dom.quotas[0]).toMatchObject({ grade: '好', n: 12, max: 3, granted: 1, tieAtBoundary: true, boundaryScore: 99, arithmetic: 'floor(30% × 12) = floor(3.6) = 3' });
    expect(by('U01').suggestion).toMatchObject({ grade: '好', tieAtBoundary: false, rules: [{ id: '001-good-30', seed: '001_98ca728807ffae1b.txt' }] });
    expect(by('U02').suggestion.grade).toBe('一般');
    expect(by('U02').suggestion.rules[0].id).toBe('001-cap-named-criticism');
    for (const u of ['U03', 'U04', 'U05']) expect(by(u).suggestion).toMatchObject({ grade: '较好', tieAtBoundary: true });
    expect(by('U06').suggestion).toMatchObject({ grade: '较好', tieAtBoundary: false });
    expect(by('U10').suggestion).toMatchObject({ grade: '一般', rules: [{ id: '001-cap-satisfaction' }, { id: '001-fairly-good' }] });
    expect(by('U11').suggestion.rules[0].id).toBe('001-tail-average');
    expect(by('=SUM(1,2)单位').suggestion.grade).toBe('差');
    expect(by('=SUM(1,2)单位').suggestion.rules[0]).toMatchObject({ id: '001-last-poor', seed: '001_98ca728807ffae1b.txt' });
    const ind = by('=SUM(1,2)单位').components.find((c: any) => c.key === 'indicators');
    expect(ind.indicators.find((i: any) => i.indicatorId === '1')).toMatchObject({ deducted: 12, score: 0, floored: true });
    expect(by('U06').components.find((c: any) => c.key === 'report-review').detail).toContain('93.33');
    for (const u of dom.units) for (const c of u.suggestion.rules) expect(c.seed).toBe('001_98ca728807ffae1b.txt');
  });

  it('records final grades: the suggestion needs no reason, a departure does, and both are audit-logged', async () => {
    const grade = (name: string, g: string, reason?: string) => t.api('PUT', `/api/rounds/${roundId}/grades`, { targetType: 'unit', targetId: unitIds.get(name), grade: g, ...(reason ? { reason } : {}) });
    expect(ok(await grade('U01', '好'))).toMatchObject({ grade: '好', suggested: '好', departsFromSuggestion: false });
    const refused = await grade('U03', '好');
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('REASON_REQUIRED');
    expect(refused.body.error.message).toContain('较好');
    expect(ok(await grade('U03', '好', '考核委员会研究：同分单位中年度重点任务完成最好'))).toMatchObject({ grade: '好', suggested: '较好', departsFromSuggestion: true });
    expect((await grade('U04', '特好', '理由')).status).toBe(422);
    const audit = (await listAudit({ db: t.app.db })).filter((a) => a.action === 'assessment.grade.record');
    expect(audit.map((a) => a.detail)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'U03', grade: '好', suggested: '较好', tieAtBoundary: true, reason: '考核委员会研究：同分单位中年度重点任务完成最好' }),
        expect.objectContaining({ name: 'U01', grade: '好', suggested: '好', reason: null }),
      ]),
    );
    expect((await listAudit({ db: t.app.db })).some((a) => a.action === 'assessment.deduction.add' && a.detail.evidence === note.evidence)).toBe(true);
    const r = ok(await t.api('GET', `/api/rounds/${roundId}/ranking`));
    expect(r.domains[0].units.find((u: any) => u.name === 'U03').decision).toMatchObject({ grade: '好', departsFromSuggestion: true, suggestionChanged: false });
  });

  it('withdraws a deduction with a reason and the score follows', async () => {
    const round = ok(await t.api('GET', `/api/rounds/${roundId}`));
    const u09 = round.units.find((u: any) => u.name === 'U09');
    ok(await t.api('DELETE', `/api/rounds/${roundId}/units/${u09.id}/deductions/${u09.deductions[0].id}`, { reason: '复核后撤销：问题已在年内整改' }));
    const r = ok(await t.api('GET', `/api/rounds/${roundId}/ranking`));
    expect(r.domains[0].units.find((u: any) => u.name === 'U09').total).toBe(96);
    await t.api('POST', `/api/rounds/${roundId}/units/${u09.id}/deductions`, { indicatorId: '1', ruleId: '1.3', occurrences: 2, ...note });
  });

  it('exports the ranking as XLSX (formula cells neutralised) and as a Chinese PDF', async () => {
    const x = await t.app.inject({ method: 'GET', url: `/api/rounds/${roundId}/ranking.xlsx`, headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(x.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('县（区）')!;
    const cells: unknown[] = [];
    ws.eachRow((row) => row.eachCell((c) => cells.push(c.value)));
    expect(cells).toContain("'=SUM(1,2)单位");
    expect(cells.some((v) => typeof v === 'object' && v !== null && 'formula' in (v as object))).toBe(false);
    expect(cells).toContain('好：floor(30% × 12) = floor(3.6) = 3，建议 1 个；名额边界同分（99.00 分），均按较低等次建议（按得分从高到低排序，“好”等次不超过本领域参加考核单位数的30%）');
    expect(cells).toContain('受到党中央、国务院、省委、省人民政府点名或通报批评的，不得评定为“较好”及以上；“好”等次名额以外、未触及一般或差情形的单位建议为“较好”');
    const ranking = ok(await t.api('GET', `/api/rounds/${roundId}/ranking`));
    expect(ranking.document).toBe('《市党建工作成效考核办法》');
    expect(cells).toContain(`县（区）：${ranking.schemeTitle}（依据《市党建工作成效考核办法》）`);
    // Users read rules and documents in words: no rule id, seed file or scheme id (seed files and ids stay in the API).
    const shown = cells.filter((v): v is string => typeof v === 'string').join('\n');
    expect(shown).not.toMatch(/\d{3}_[0-9a-f]{16}\.txt|\b00[0-4]-[a-z0-9-]+|party-building-00\d/);

    const p = await t.app.inject({ method: 'GET', url: `/api/rounds/${roundId}/ranking.pdf`, headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(p.statusCode).toBe(200);
    expect(p.headers['content-type']).toBe('application/pdf');
    const file = join(t.dir, 'ranking.pdf');
    writeFileSync(file, p.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('2026年度党建工作成效考核');
    expect(text).toContain('排名与等次建议');
    expect(text).toContain('floor(30% × 12) = floor(3.6) = 3');
    expect(text).toContain('=SUM(1,2)单位');
    expect(text).toContain('边界同分');
    expect(text).toContain('《市党建工作成效考核办法》');
    expect(text).not.toMatch(/\d{3}_[0-9a-f]{16}\.txt|\b00[0-4]-[a-z0-9-]+|party-building-00\d/);
  });

  it('is admin only', async () => {
    expect((await t.app.inject({ method: 'GET', url: `/api/rounds/${roundId}/ranking` })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/rounds/nope/ranking', headers: { authorization: `Bearer ${t.adminToken}` } })).statusCode).toBe(404);
  });
});

describe('seed 002: 民主测评 weighted 领导自评 40% / 民主评议 60% from real ballots, entered scores, bonus', () => {
  it('scores a city unit from its meeting and the entered inputs', async () => {
    const round = ok(await t.api('POST', '/api/rounds', { title: '2026年度基层党建工作考核', schemeId: 'party-building-002' }), 201);
    const units = ok(await t.api('POST', `/api/rounds/${round.id}/units`, { units: [{ domain: 'city-unit', name: '市财政局' }, { domain: 'township', name: '城关镇' }] }), 201).units;
    const [city, town] = units;
    const m = ok(
      await t.api('POST', '/api/meetings', {
        title: '市财政局领导班子民主测评',
        unit: '市财政局',
        kind: 'other',
        minRespondents: 5,
        formIds: ['village-annual-review'],
        subjects: [{ name: '市财政局领导班子', kind: 'team' }, { name: '钱卫东', kind: 'person', isHead: true }],
        categories: [
          { key: 'leaders', label: '领导自评', weight: 0.4 },
          { key: 'staff', label: '民主评议', weight: 0.6 },
        ],
      }),
      201,
    );
    await castBallots(m.id, [
      { grade: '好', category: 'leaders' },
      { grade: '好', category: 'leaders' },
      { grade: '较好', category: 'staff' },
      { grade: '较好', category: 'staff' },
      { grade: '较好', category: 'staff' },
    ]);
    ok(await t.api('POST', `/api/meetings/${m.id}/close`, {}));
    const teamId = m.subjects.find((s: any) => s.kind === 'team').id;
    const personId = m.subjects.find((s: any) => s.kind === 'person').id;
    // A person is not a unit's score.
    expect((await t.api('PUT', `/api/rounds/${round.id}/units/${city.id}/links/democratic-evaluation`, { meetingId: m.id, formId: 'village-annual-review', subjectId: personId })).status).toBe(422);
    // Only ballot components take a link.
    expect((await t.api('PUT', `/api/rounds/${round.id}/units/${city.id}/links/annual-review`, { meetingId: m.id, formId: 'village-annual-review', subjectId: teamId })).status).toBe(422);
    ok(await t.api('PUT', `/api/rounds/${round.id}/units/${city.id}/links/democratic-evaluation`, { meetingId: m.id, formId: 'village-annual-review', subjectId: teamId }));
    const put = (unit: string, input: string, value: number | string) => t.api('PUT', `/api/rounds/${round.id}/units/${unit}/inputs/${input}`, { value, ...note });
    ok(await put(city.id, 'annual-review', 'second'));
    ok(await put(city.id, 'performance.basic', 90));
    ok(await put(city.id, 'performance.key', 80));
    ok(await put(city.id, 'innovation', 2));
    expect((await put(city.id, 'annual-review', 'third')).status).toBe(422);
    expect((await put(city.id, 'performance.basic', 101)).status).toBe(422);
    expect((await put(city.id, 'innovation', 1.5)).status).toBe(422);
    expect((await put(city.id, 'nonsense', 1)).status).toBe(422);

    // The township's 述职评议 meeting stays below its minimum: its score is shown and not used.
    const low = await reportMeeting('城关镇', ['好']);
    ok(await t.api('PUT', `/api/rounds/${round.id}/units/${town.id}/links/report-review`, { meetingId: low, formId: 'village-secretary-report' }));
    ok(await put(town.id, 'annual-review', 'first'));
    ok(await put(town.id, 'performance.basic', 95));
    ok(await put(town.id, 'performance.key', 95));

    const r = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`));
    const c = r.domains.find((d: any) => d.key === 'city-unit').units[0];
    // Each of the five team items: 0.4 × 100 + 0.6 × 80 = 88.
    expect(c.components.find((x: any) => x.key === 'democratic-evaluation')).toMatchObject({ value: 88, contribution: 17.6, ballot: { items: 5, usable: true } });
    // 17.6 + 0.2 × 90 (二等奖) + 0.6 × 85 + 2 × 5 = 96.6
    expect(c.total).toBe(96.6);
    expect(c.suggestion).toMatchObject({ grade: '优秀', rules: [{ id: '002-city-top-30', seed: '002_ef31b3aa8f1f181a.txt' }] });
    const town1 = r.domains.find((d: any) => d.key === 'township');
    expect(town1.provisional).toBe(true);
    expect(town1.units[0].components[0].ballot.flags.map((f: any) => f.code)).toEqual(['BELOW_MINIMUM']);
    expect(town1.units[0].components[0].detail).toContain('未计入');
    expect(town1.units[0].suggestion.grade).toBeNull();

    // The committee accepts the figure: unlink (with a reason) and enter it by hand, both audit-logged.
    expect((await t.api('DELETE', `/api/rounds/${round.id}/units/${town.id}/links/report-review`, {})).status).toBe(400);
    ok(await t.api('DELETE', `/api/rounds/${round.id}/units/${town.id}/links/report-review`, { reason: '考核委员会决定采用纸质述职评议结果' }));
    ok(await put(town.id, 'report-review', 90));
    const after = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`)).domains.find((d: any) => d.key === 'township');
    expect(after.units[0].components[0]).toMatchObject({ value: 90, source: 'entered' });
    expect(after.units[0].total).toBe(18 + 20 + 57);
    expect((await listAudit({ db: t.app.db })).some((a) => a.action === 'assessment.meeting.unlink' && a.detail.reason === '考核委员会决定采用纸质述职评议结果')).toBe(true);
  });
});

// seed 002_ef31b3aa8f1f181a.txt: "由市委召开常委会议专门听取镇街党委书记抓基层党建工作的述职报告并开展评议……按照好、较好、
// 一般、差四个档次进行评议,每个档次对应100、80、60、40 分值,计算平均得分计入总分".
describe('seed 002: one 常委会 sitting rates every township secretary; each township takes its own secretary', () => {
  it('links each township’s 述职评议 to its secretary in one secretary-debrief-review meeting', async () => {
    const m = ok(
      await t.api('POST', '/api/meetings', {
        title: '市委常委会听取镇街党委书记抓基层党建工作述职评议',
        unit: '市委',
        kind: 'other',
        formIds: ['secretary-debrief-review'],
        subjects: [
          { name: '赵东', kind: 'person', title: '东镇党委书记' },
          { name: '钱西', kind: 'person', title: '西镇党委书记' },
        ],
      }),
      201,
    );
    const [east, west] = m.subjects;
    const slips = ok(await t.api('POST', `/api/meetings/${m.id}/slips`, { count: 3 }), 201).tokens as string[];
    ok(await t.api('POST', `/api/meetings/${m.id}/open`, {}));
    // 赵东: 好, 好, 较好 → (100 + 100 + 80) / 3; 钱西: 一般 × 3 → 60.
    for (const [i, tok] of slips.entries()) {
      const form = ok(await t.api('GET', `/api/ballot/${tok}`));
      ok(await t.api('POST', `/api/ballot/${tok}`, { answers: fullBallot(form, (_q, s) => (s.id === east.id ? (i < 2 ? 'good' : 'fairly-good') : 'average')) }), 201);
    }
    ok(await t.api('POST', `/api/meetings/${m.id}/close`, {}));

    const round = ok(await t.api('POST', '/api/rounds', { title: '2026年度镇街抓基层党建工作考核', schemeId: 'party-building-002' }), 201);
    const [eastTown, westTown] = ok(await t.api('POST', `/api/rounds/${round.id}/units`, { units: [{ domain: 'township', name: '东镇' }, { domain: 'township', name: '西镇' }] }), 201).units;
    ok(await t.api('PUT', `/api/rounds/${round.id}/units/${eastTown.id}/links/report-review`, { meetingId: m.id, formId: 'secretary-debrief-review', subjectId: east.id }));
    ok(await t.api('PUT', `/api/rounds/${round.id}/units/${westTown.id}/links/report-review`, { meetingId: m.id, formId: 'secretary-debrief-review', subjectId: west.id }));
    const r = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`));
    const review = (name: string) => r.domains.find((d: any) => d.key === 'township').units.find((u: any) => u.name === name).components.find((c: any) => c.key === 'report-review');
    expect(review('东镇').ballot).toMatchObject({ subjectId: east.id, items: 1, usable: true });
    expect(review('东镇').value).toBeCloseTo(280 / 3, 4);
    expect(review('西镇').value).toBe(60);
    // A form that rates a team cannot hand a unit one person's figure.
    const team = ok(await t.api('POST', '/api/meetings', { title: '某班子测评', unit: '东镇', kind: 'other', minRespondents: 1, formIds: ['village-annual-review'], subjects: [{ name: '东镇班子', kind: 'team' }, { name: '赵东', kind: 'person' }] }), 201);
    const refused = await t.api('PUT', `/api/rounds/${round.id}/units/${eastTown.id}/links/report-review`, { meetingId: team.id, formId: 'village-annual-review', subjectId: team.subjects[1].id });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain('逐人评议的述职评议表');
  });
});

describe('seed 004: team grades (优秀 ≤ 30%) and cadre grades by the team grade', () => {
  it('suggests, then follows the final team grade for the cadre quota and the head cap', async () => {
    const round = ok(await t.api('POST', '/api/rounds', { title: '2026年度县管领导班子和领导干部考核', schemeId: 'cadres-004' }), 201);
    const names = ['县财政局', '县教育局', '县卫健局', '县交通局'];
    const units = ok(await t.api('POST', `/api/rounds/${round.id}/units`, { units: names.map((name) => ({ domain: 'county-team', name })) }), 201).units;
    const scores = [95, 90, 85, 80];
    for (const [i, u] of units.entries()) ok(await t.api('PUT', `/api/rounds/${round.id}/units/${u.id}/inputs/team-evaluation`, { value: scores[i], ...note }));
    const cadres = Array.from({ length: 7 }, (_, i) => ({ name: `干部${i + 1}`, score: 99 - i * 2, isHead: i === 0 }));
    ok(await t.api('POST', `/api/rounds/${round.id}/units/${units[0].id}/cadres`, { cadres }), 201);
    // seed 004_9ba8455c36f7d67d.txt: 乡镇党政正职 are two (the party secretary and the township head): a third is refused.
    const third = await t.api('POST', `/api/rounds/${round.id}/units/${units[0].id}/cadres`, { cadres: [{ name: '又一位', isHead: true }, { name: '再一位', isHead: true }] });
    expect(third.status).toBe(422);
    expect(third.body.error.message).toBe('每个单位最多 2 名党政正职（主要负责人）');

    let r = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`));
    let team = r.domains[0].units[0];
    // floor(30% × 4) = 1 team 优秀; it lifts its cadres' share to 25%. The head is assessed apart (seed 004:
    // "不计算本单位考核基数，不占本单位优秀指标"): floor(25% × 6) = 1 place, to the best of the other six.
    expect(r.domains[0].quotas[0]).toMatchObject({ max: 1, granted: 1 });
    expect(team.suggestion.grade).toBe('优秀');
    expect(team.cadres).toMatchObject({ teamGrade: '优秀', teamGradeSource: 'suggested', quota: { n: 6, percent: 25, max: 1, arithmetic: 'floor(25% × 6) = floor(1.5) = 1' } });
    expect(team.cadres.cadres.map((c: any) => c.suggestion.grade)).toEqual([null, '优秀', '称职', '称职', '称职', '称职', '称职']);
    expect(team.cadres.cadres[0].suggestion.flags[0].code).toBe('ASSESSED_APART');

    // The committee rates the team 较差 (with a reason): floor(15% × 6) = 0 places; the head, graded apart, carries
    // the cap on a weak team's head for whoever decides the grade.
    ok(await t.api('PUT', `/api/rounds/${round.id}/grades`, { targetType: 'unit', targetId: units[0].id, grade: '较差', reason: '年内发生重大腐败案件（县纪委通报）' }));
    r = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`));
    team = r.domains[0].units[0];
    expect(team.cadres).toMatchObject({ teamGrade: '较差', teamGradeSource: 'final', quota: { percent: 15, max: 0 } });
    expect(team.cadres.cadres[0].suggestion.grade).toBeNull();
    expect(team.cadres.cadres[0].suggestion.rules.map((x: any) => x.id)).toEqual(['004-heads-assessed-apart', '004-head-of-poor-team']);
    expect(team.cadres.cadres[1].suggestion.grade).toBe('称职');
    const cadreId = team.cadres.cadres[0].id;
    const noReason = (await t.api('PUT', `/api/rounds/${round.id}/grades`, { targetType: 'cadre', targetId: cadreId, grade: '基本称职' })).body.error;
    expect(noReason).toMatchObject({ code: 'REASON_REQUIRED', message: '综合考核单列的正职没有本单位等次建议，确定等次须写明依据' });
    ok(await t.api('PUT', `/api/rounds/${round.id}/grades`, { targetType: 'cadre', targetId: cadreId, grade: '基本称职', reason: '县委组织部综合考核意见' }));
    ok(await t.api('PUT', `/api/rounds/${round.id}/cadres/${cadreId}`, { score: 88 }));
    r = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`));
    expect(r.domains[0].units[0].cadres.cadres[0]).toMatchObject({ score: 88, decision: { grade: '基本称职', reason: '县委组织部综合考核意见', suggestionChanged: false } });
  });
});

// seed 004_9ba8455c36f7d67d.txt: "凡是本年度出现以下情况的乡镇、部门党政主要领导不能参加评优".
describe('seed 004: a head barred from 评优', () => {
  it('refuses to record 优秀 for the head of a unit with a 问责, whatever the reason given', async () => {
    const round = ok(await t.api('POST', '/api/rounds', { title: '2026年度县管干部考核（评优限制）', schemeId: 'cadres-004' }), 201);
    const [unit] = ok(await t.api('POST', `/api/rounds/${round.id}/units`, { units: [{ domain: 'county-team', name: '县水利局' }] }), 201).units;
    ok(await t.api('POST', `/api/rounds/${round.id}/units/${unit.id}/cadres`, { cadres: [{ name: '孙局长', isHead: true, score: 98 }, { name: '周副局长', score: 92 }] }), 201);
    ok(await t.api('PUT', `/api/rounds/${round.id}/units/${unit.id}/facts`, { heldAccountable: true, ...note }));
    const head = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`)).domains[0].units[0].cadres.cadres[0];
    expect(head.suggestion.flags.map((f: any) => f.code)).toContain('HEAD_BARRED');
    const res = await t.api('PUT', `/api/rounds/${round.id}/grades`, { targetType: 'cadre', targetId: head.id, grade: '优秀', reason: '综合考核表现突出' });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'HEAD_BARRED', message: '被县委、政府问责：主要领导不能参加评优，不得确定为优秀' });
    ok(await t.api('PUT', `/api/rounds/${round.id}/grades`, { targetType: 'cadre', targetId: head.id, grade: '称职', reason: '县委组织部综合考核意见' }));
  });
});

describe('seed 001: each domain its own catalogue', () => {
  it('refuses deductions for a 市级公立医院 (no catalogue yet) and says so on its score', async () => {
    const s001 = ok(await t.api('GET', '/api/schemes')).find((x: any) => x.id === 'party-building-001');
    expect(s001.domains.map((d: any) => [d.key, d.hasCatalogue])).toEqual([['county', true], ['city-unit', false], ['school', false], ['state-enterprise', false], ['public-hospital', false]]);
    expect(s001.document).toBe('《市党建工作成效考核办法》');
    const round = ok(await t.api('POST', '/api/rounds', { title: '2026年度医院党建工作成效考核', schemeId: 'party-building-001' }), 201);
    const [hospital] = ok(await t.api('POST', `/api/rounds/${round.id}/units`, { units: [{ domain: 'public-hospital', name: '市第一人民医院' }] }), 201).units;
    const res = await t.api('POST', `/api/rounds/${round.id}/units/${hospital.id}/deductions`, { indicatorId: '1', ruleId: '1.1', ...note });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'NO_CATALOGUE', message: '“市第一人民医院”所在领域尚无扣分指标目录，不能录入扣分' });
    const r = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`));
    const unit = r.domains.find((d: any) => d.key === 'public-hospital').units[0];
    expect(unit.components.find((c: any) => c.key === 'indicators').flags.map((f: any) => f.code)).toEqual(['CATALOGUE_MISSING']);
    expect(unit.total).toBeNull();
  });
});

describe('bad input and access', () => {
  it('answers 4xx with a Chinese message and writes nothing', async () => {
    const round = ok(await t.api('POST', '/api/rounds', { title: '错误输入测试轮次', schemeId: 'party-building-002' }), 201);
    const cases: Array<[string, string, string, unknown, number, string]> = [
      ['unknown scheme', 'POST', '/api/rounds', { title: '某轮次', schemeId: 'no-such-scheme' }, 422, 'UNKNOWN_SCHEME'],
      ['extra field', 'POST', '/api/rounds', { title: '某轮次', schemeId: 'party-building-002', admin: true }, 400, 'VALIDATION_ERROR'],
      ['unknown domain', 'POST', `/api/rounds/${round.id}/units`, { units: [{ domain: 'county', name: '某县' }] }, 422, 'INVALID_UNITS'],
      ['duplicate unit', 'POST', `/api/rounds/${round.id}/units`, { units: [{ domain: 'township', name: '甲镇' }, { domain: 'township', name: '甲镇' }] }, 422, 'INVALID_UNITS'],
      ['empty units', 'POST', `/api/rounds/${round.id}/units`, { units: [] }, 400, 'VALIDATION_ERROR'],
      ['unknown round', 'GET', '/api/rounds/nope', undefined, 404, 'ROUND_NOT_FOUND'],
      ['unknown unit', 'PUT', `/api/rounds/${round.id}/units/nope/inputs/innovation`, { value: 1, ...note }, 404, 'UNIT_NOT_FOUND'],
      ['grade of an unknown unit', 'PUT', `/api/rounds/${round.id}/grades`, { targetType: 'unit', targetId: 'nope', grade: '优秀' }, 404, 'UNIT_NOT_FOUND'],
      ['deductions under a scheme without them', 'POST', `/api/rounds/${round.id}/units/x/deductions`, { indicatorId: '1', ruleId: '1.1', ...note }, 404, 'UNIT_NOT_FOUND'],
      ['cadres under a scheme without them', 'PUT', `/api/rounds/${round.id}/cadres/nope`, { score: 90 }, 404, 'CADRE_NOT_FOUND'],
      ['bad input key', 'PUT', `/api/rounds/${round.id}/units/x/inputs/BAD%20KEY`, { value: 1, ...note }, 400, 'VALIDATION_ERROR'],
    ];
    for (const [what, method, url, body, status, code] of cases) {
      const res = await t.api(method as any, url, body);
      expect(res.status, what).toBe(status);
      expect(res.body.error.code, what).toBe(code);
      expect(res.body.error.message, what).toMatch(/[\u4e00-\u9fff]/);
    }
    const unit = ok(await t.api('POST', `/api/rounds/${round.id}/units`, { units: [{ domain: 'township', name: '乙镇' }] }), 201).units[0];
    expect((await t.api('POST', `/api/rounds/${round.id}/units/${unit.id}/deductions`, { indicatorId: '1', ruleId: '1.1', ...note })).body.error.code).toBe('NO_DEDUCTIONS');
    expect((await t.api('POST', `/api/rounds/${round.id}/units/${unit.id}/cadres`, { cadres: [{ name: '张三' }] })).body.error.code).toBe('NO_CADRE_RULES');
    expect((await t.api('PUT', `/api/rounds/${round.id}/units/${unit.id}/facts`, { satisfaction: '很好', ...note })).status).toBe(400);
    expect(ok(await t.api('GET', `/api/rounds/${round.id}`)).units.map((u: any) => u.name)).toEqual(['乙镇']);
  });

  it('refuses an assessor, and the routes are in the OpenAPI description', async () => {
    ok(await t.api('POST', '/api/users', { username: 'kaohe9', password: 'assessor-password-9', role: 'assessor' }), 201);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'kaohe9', password: 'assessor-password-9' } });
    const res = await t.app.inject({ method: 'GET', url: '/api/rounds', headers: { authorization: `Bearer ${login.json().token}` } });
    expect(res.statusCode).toBe(403);
    const doc = ok(await t.api('GET', '/docs/json'));
    for (const p of ['/api/schemes', '/api/rounds', '/api/rounds/{id}/ranking', '/api/rounds/{id}/grades', '/api/rounds/{id}/units/{unitId}/links/{component}']) expect(Object.keys(doc.paths)).toContain(p);
  });
});
