// Facts about a cadre through the API (seed 004: 立案审查, 退休, 挂职; seed 001 第十七条: 书记 and 分管党建工作的副职 of a
// unit below 好 in 党建工作成效考核): they round-trip, a bad value is a clear Chinese 400, the ranking applies them, a
// grade they forbid is refused, and the exports say why.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.repository.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

const ok = (res: { status: number; body: any }, status = 200) => {
  expect(res.status, JSON.stringify(res.body).slice(0, 600)).toBe(status);
  return res.body;
};
const note = { note: '依据考核组核实情况录入', evidence: '考核办〔2026〕12号台账' };

async function cadreRound(title: string, unitName = '甲镇') {
  const round = ok(await t.api('POST', '/api/rounds', { title, schemeId: 'cadres-004' }), 201);
  const [unit] = ok(await t.api('POST', `/api/rounds/${round.id}/units`, { units: [{ domain: 'county-team', name: unitName }] }), 201).units;
  ok(await t.api('PUT', `/api/rounds/${round.id}/units/${unit.id}/inputs/team-evaluation`, { value: 88, ...note }));
  return { round, unit };
}

/** Rows in every table: a refused request leaves them as they were. */
function snapshot(): Record<string, number> {
  const db = t.app.db.$client;
  const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as Array<{ name: string }>).map((r) => r.name);
  return Object.fromEntries(tables.map((n) => [n, (db.prepare(`select count(*) as n from "${n}"`).get() as { n: number }).n]));
}

// seed 004_9ba8455c36f7d67d.txt: "中央、省、市下派的挂职干部年度考核在所挂职乡镇进行,评为优秀的不占挂职单位20%的优秀指标……县级下派挂职干部,
// 工作满6个月的纳入乡镇考核,占挂职乡镇20%优秀指标,工作不满6个月的在原单位考核", "2019年12月31日前退休的县管干部,不参加年度考核",
// "涉嫌违纪违法被立案审查调查尚未结案的,参加年度考核,但不确定等次,待结案后,根据处理情况确定当年年度考核等次".
describe('cadre facts (004)', () => {
  let roundId: string;
  let unitId: string;
  const ids = new Map<string, string>();

  it('round-trip through POST …/cadres and PUT …/cadres/:cadreId, and are audit-logged', async () => {
    const { round, unit } = await cadreRound('2026年度县管干部考核（干部情况）');
    roundId = round.id;
    unitId = unit.id;
    expect(round.scheme.cadreRules).toEqual({
      investigation: true,
      retired: true,
      secondment: true,
      headBar: true,
      partyBuilding: { seed: '001_98ca728807ffae1b.txt', document: '《市党建工作成效考核办法》', requiredGrade: '好', text: '党建工作成效考核达不到“好”等次的单位，党委（党组）书记和分管党建工作的副职年度考核不得评定为“优秀”等次' },
    });
    const cadres = [
      { name: '李审查', score: 99, underInvestigation: true },
      { name: '王退休', score: 98, retired: true },
      { name: '赵市派', score: 97, secondment: 'from-above' },
      { name: '钱县派', score: 96, secondment: 'county-6plus' },
      { name: '孙短期', score: 93, secondment: 'county-under6' },
      { name: '周副书记', title: '党委副书记', score: 95, partyRole: 'party-building-deputy' },
      ...[94, 85, 84, 83, 82].map((score, i) => ({ name: `干部${i + 1}`, score })),
    ];
    const added = ok(await t.api('POST', `/api/rounds/${roundId}/units/${unitId}/cadres`, { cadres }), 201).units[0].cadres;
    for (const c of added) ids.set(c.name, c.id);
    expect(added.slice(0, 6).map((c: any) => [c.name, c.underInvestigation, c.retired, c.secondment, c.partyRole])).toEqual([
      ['李审查', true, false, 'none', 'none'],
      ['王退休', false, true, 'none', 'none'],
      ['赵市派', false, false, 'from-above', 'none'],
      ['钱县派', false, false, 'county-6plus', 'none'],
      ['孙短期', false, false, 'county-under6', 'none'],
      ['周副书记', false, false, 'none', 'party-building-deputy'],
    ]);
    expect(added[6]).toMatchObject({ name: '干部1', underInvestigation: false, retired: false, secondment: 'none', partyRole: 'none' });

    const edited = ok(await t.api('PUT', `/api/rounds/${roundId}/cadres/${ids.get('干部5')}`, { secondment: 'county-under6', partyRole: 'secretary' }));
    expect(edited.units[0].cadres.find((c: any) => c.name === '干部5')).toMatchObject({ secondment: 'county-under6', partyRole: 'secretary', score: 82 });
    ok(await t.api('PUT', `/api/rounds/${roundId}/cadres/${ids.get('干部5')}`, { secondment: 'none', partyRole: 'none' }));
    const again = ok(await t.api('GET', `/api/rounds/${roundId}`));
    expect(again.units[0].cadres.find((c: any) => c.name === '干部5')).toMatchObject({ secondment: 'none', partyRole: 'none' });

    const audit = (await listAudit({ db: t.app.db })).filter((a) => a.action === 'assessment.cadre.edit' || a.action === 'assessment.cadres.add');
    expect((audit.find((a) => a.action === 'assessment.cadres.add')!.detail.cadres as unknown[])[2]).toMatchObject({ name: '赵市派', secondment: 'from-above' });
    expect(audit.some((a) => a.action === 'assessment.cadre.edit' && (a.detail.patch as { partyRole?: string }).partyRole === 'secretary')).toBe(true);
  });

  it('a value outside the list is a 400 that names the allowed values in Chinese, and writes nothing', async () => {
    const before = snapshot();
    const bad = await t.api('POST', `/api/rounds/${roundId}/units/${unitId}/cadres`, { cadres: [{ name: '某人', secondment: 'province' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: '请求内容不符合要求（cadres/0/secondment）：须为以下之一：none、from-above、county-6plus、county-under6' });
    const role = await t.api('PUT', `/api/rounds/${roundId}/cadres/${ids.get('干部1')}`, { partyRole: 'chief' });
    expect(role.status).toBe(400);
    expect(role.body.error.message).toBe('请求内容不符合要求（partyRole）：须为以下之一：none、secretary、party-building-deputy');
    const flag = await t.api('PUT', `/api/rounds/${roundId}/cadres/${ids.get('干部1')}`, { retired: '是' });
    expect(flag.status).toBe(400);
    expect(flag.body.error.message).toMatch(/^请求内容不符合要求（retired）/);
    expect(snapshot()).toEqual(before);
  });

  it('the ranking: base 11 − 王退休 − 赵市派 − 孙短期 = 8, floor(20% × 8) = 1 place; 李审查 in the base without a grade', async () => {
    const u = ok(await t.api('GET', `/api/rounds/${roundId}/ranking`)).domains[0].units[0];
    // One team, floor(30% × 1) = 0 优秀: the team is 良好 and its cadres' share 20%.
    expect(u.cadres).toMatchObject({ teamGrade: '良好', partyBuilding: null, quota: { n: 8, percent: 20, max: 1, granted: 1, arithmetic: 'floor(20% × 8) = floor(1.6) = 1' } });
    const c = (name: string) => u.cadres.cadres.find((x: any) => x.name === name);
    expect(c('李审查')).toMatchObject({ inBase: true, score: 99, suggestion: { grade: null, flags: [{ code: 'UNDER_INVESTIGATION' }] } });
    expect(c('王退休')).toMatchObject({ inBase: false, suggestion: { grade: null, flags: [{ code: 'RETIRED' }] } });
    expect(c('赵市派')).toMatchObject({ inBase: false, suggestion: { grade: '优秀', flags: [{ code: 'SECONDED_FROM_ABOVE' }] } });
    expect(c('钱县派')).toMatchObject({ inBase: true, suggestion: { grade: '优秀' } });
    expect(c('孙短期')).toMatchObject({ inBase: false, suggestion: { grade: null, flags: [{ code: 'ASSESSED_IN_HOME_UNIT' }] } });
    // Not linked to a 党建工作成效考核 unit: no cap, and a note for the deputy for party building.
    expect(c('周副书记').suggestion).toMatchObject({ grade: '称职', flags: [{ code: 'OUTSIDE_QUOTA' }, { code: 'PARTY_BUILDING_NOT_LINKED' }] });
    expect(u.cadres.flags.map((f: any) => f.message)).toContain(
      '不计算本单位考核基数：12月31日前退休（不参加年度考核） 1 人，县级下派挂职不满6个月（在原单位考核） 1 人，中央、省、市下派挂职（优秀不占本单位指标） 1 人；考核基数 8 人',
    );
    // Rules are cited by their text and the document's title.
    expect(c('李审查').suggestion.rules[0]).toMatchObject({ text: '涉嫌违纪违法被立案审查调查尚未结案的，参加年度考核，但不确定等次，待结案后根据处理情况确定当年年度考核等次', document: '《关于做好2019年度县管领导班子和领导干部考核工作的方案》' });
  });

  it('refuses a grade for a cadre under investigation, retired, or assessed in the home unit, whatever the reason', async () => {
    const grade = (name: string, g: string) => t.api('PUT', `/api/rounds/${roundId}/grades`, { targetType: 'cadre', targetId: ids.get(name), grade: g, reason: '党委会研究决定' });
    const inv = await grade('李审查', '称职');
    expect(inv.status).toBe(422);
    expect(inv.body.error).toEqual({ code: 'UNDER_INVESTIGATION', message: '涉嫌违纪违法被立案审查调查尚未结案：参加年度考核，但不确定等次，待结案后根据处理情况确定' });
    expect((await grade('王退休', '称职')).body.error).toEqual({ code: 'NOT_ASSESSED_HERE', message: '考核年度12月31日前退休：不参加年度考核，不计算本单位考核基数' });
    expect((await grade('孙短期', '优秀')).body.error.code).toBe('NOT_ASSESSED_HERE');
    // Once the case is concluded, the fact is cleared (audit-logged) and the grade is recorded with its reason.
    ok(await t.api('PUT', `/api/rounds/${roundId}/cadres/${ids.get('李审查')}`, { underInvestigation: false }));
    ok(await grade('李审查', '称职'));
    // 市下派 is graded here, outside the quota: its suggestion needs no reason.
    ok(await t.api('PUT', `/api/rounds/${roundId}/grades`, { targetType: 'cadre', targetId: ids.get('赵市派'), grade: '优秀' }));
  });

  it('the XLSX shows whether each cadre is in the base and every flag in words', async () => {
    const x = await t.app.inject({ method: 'GET', url: `/api/rounds/${roundId}/ranking.xlsx`, headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(x.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('县管领导班子·干部')!;
    const rows: unknown[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows[0]).toEqual(['单位', '班子等次', '党建工作成效考核等次', '优秀名额', '姓名', '职务', '主要负责人', '计算考核基数', '测评分值', '建议等次', '依据', '边界同分', '确定等次', '理由', '提示']);
    const row = (name: string) => rows.find((r) => r[4] === name)!;
    expect(row('王退休')[7]).toBe('否');
    expect(String(row('王退休')[14])).toContain('考核年度12月31日前退休：不参加年度考核');
    expect(row('钱县派')[7]).toBe('是');
    expect(row('周副书记')[2]).toBe('未关联');
    expect(String(row('赵市派')[14])).toContain('中央、省、市下派挂职干部：在本单位考核，评为优秀的不占本单位优秀指标');
    const shown = rows.flat().filter((v): v is string => typeof v === 'string').join('\n');
    expect(shown).not.toMatch(/\d{3}_[0-9a-f]{16}\.txt|\b00[0-4]-[a-z0-9-]+/);
    const p = await t.app.inject({ method: 'GET', url: `/api/rounds/${roundId}/ranking.pdf`, headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(p.statusCode).toBe(200);
    expect(p.headers['content-type']).toBe('application/pdf');
  });

  it('a round created before these rules existed refuses the facts instead of ignoring them', async () => {
    const { round, unit } = await cadreRound('2025年度县管干部考核（旧方案）');
    // The scheme as it stood before: without the rules on 立案审查, 退休, 挂职 and 第十七条.
    const old = { ...round.scheme };
    const stored = JSON.parse((t.app.db.$client.prepare('select scheme from assessment_rounds where id = ?').get(round.id) as { scheme: string }).scheme);
    for (const k of ['investigation', 'retired', 'secondment', 'partyBuilding']) delete stored.cadres[k];
    t.app.db.$client.prepare('update assessment_rounds set scheme = ? where id = ?').run(JSON.stringify(stored), round.id);
    expect(old.cadreRules.investigation).toBe(true);
    const res = await t.api('POST', `/api/rounds/${round.id}/units/${unit.id}/cadres`, { cadres: [{ name: '某人', retired: true, secondment: 'from-above' }] });
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({ code: 'RULE_NOT_IN_SCHEME', message: '本轮次创建时的考核方案没有相应规则，不能录入：12月31日前退休、挂职' });
    // Plain cadres are still fine, and the facts' defaults ask for no rule.
    const plain = ok(await t.api('POST', `/api/rounds/${round.id}/units/${unit.id}/cadres`, { cadres: [{ name: '某人', secondment: 'none', partyRole: 'none' }] }), 201);
    expect(plain.scheme.cadreRules).toEqual({ investigation: false, retired: false, secondment: false, headBar: true, partyBuilding: null });
    const link = await t.api('PUT', `/api/rounds/${round.id}/units/${unit.id}/party-building`, { partyBuildingUnitId: null });
    expect(link.body.error.code).toBe('NO_PARTY_BUILDING_RULE');
  });
});

// seed 001_98ca728807ffae1b.txt 第十七条: "党建工作成效考核达不到“好”等次的县区和单位,……党委(党组)书记和分管党建工作的副职年度考核不得评定为
// “优秀”等次".
describe('001 第十七条: a cadre unit linked to its 党建工作成效考核 unit', () => {
  it('caps the secretary and the deputy for party building below 优秀 while the linked unit is below 好, and says why', async () => {
    // The 党建工作成效考核 round: 甲镇 scored 80 (indicators, nothing deducted) + 0.2 × 90 (述职评议 entered by hand).
    const pbRound = ok(await t.api('POST', '/api/rounds', { title: '2026年度党建工作成效考核', schemeId: 'party-building-001' }), 201);
    const [pbUnit] = ok(await t.api('POST', `/api/rounds/${pbRound.id}/units`, { units: [{ domain: 'county', name: '甲镇' }] }), 201).units;
    ok(await t.api('PUT', `/api/rounds/${pbRound.id}/units/${pbUnit.id}/inputs/report-review`, { value: 90, ...note }));

    const { round, unit } = await cadreRound('2026年度县管干部考核（第十七条）');
    const cadres = [
      { name: '吴书记', title: '党委书记', isHead: true, score: 99, partyRole: 'secretary' },
      { name: '郑镇长', title: '镇长', isHead: true, score: 97 },
      { name: '冯副书记', title: '党委副书记', score: 98, partyRole: 'party-building-deputy' },
      ...[96, 95, 85, 84, 83].map((score, i) => ({ name: `干部${i + 1}`, score })),
    ];
    const ids = new Map<string, string>(ok(await t.api('POST', `/api/rounds/${round.id}/units/${unit.id}/cadres`, { cadres }), 201).units[0].cadres.map((c: any) => [c.name, c.id]));

    // Links: only to a unit of a 党建工作成效考核 round, and only from a round whose scheme has the rule.
    const before = snapshot();
    const otherRound = ok(await t.api('POST', '/api/rounds', { title: '2026年度基层党建工作考核', schemeId: 'party-building-002' }), 201);
    const [townOf002] = ok(await t.api('POST', `/api/rounds/${otherRound.id}/units`, { units: [{ domain: 'township', name: '甲镇' }] }), 201).units;
    const wrong = await t.api('PUT', `/api/rounds/${round.id}/units/${unit.id}/party-building`, { partyBuildingUnitId: townOf002.id });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toEqual({ code: 'NOT_A_PARTY_BUILDING_UNIT', message: '所选单位不属于依据《市党建工作成效考核办法》的考核轮次' });
    expect((await t.api('PUT', `/api/rounds/${round.id}/units/${unit.id}/party-building`, { partyBuildingUnitId: 'nope' })).body.error.code).toBe('PARTY_BUILDING_UNIT_NOT_FOUND');
    expect((await t.api('PUT', `/api/rounds/${pbRound.id}/units/${pbUnit.id}/party-building`, { partyBuildingUnitId: pbUnit.id })).body.error.code).toBe('NO_PARTY_BUILDING_RULE');
    expect((await t.api('PUT', `/api/rounds/${round.id}/units/${unit.id}/party-building`, { partyBuildingUnitId: 'bad id!' })).status).toBe(400);
    const after = snapshot();
    expect({ ...after, assessment_rounds: before.assessment_rounds, assessment_units: before.assessment_units, audit_log: before.audit_log }).toEqual(before);
    expect(after.assessment_units).toBe(before.assessment_units! + 1);

    const linked = ok(await t.api('PUT', `/api/rounds/${round.id}/units/${unit.id}/party-building`, { partyBuildingUnitId: pbUnit.id }));
    expect(linked.units[0].partyBuildingUnitId).toBe(pbUnit.id);
    expect((await listAudit({ db: t.app.db })).find((a) => a.action === 'assessment.party-building.link')!.detail).toMatchObject({ unit: '甲镇', partyBuildingUnit: '甲镇', partyBuildingRound: '2026年度党建工作成效考核' });

    // One unit in its domain: floor(30% × 1) = 0 好, so 甲镇 is suggested 较好: below 好.
    let u = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`)).domains[0].units[0];
    expect(u.cadres.partyBuilding).toEqual({ unitId: pbUnit.id, unitName: '甲镇', roundId: pbRound.id, roundTitle: '2026年度党建工作成效考核', grade: '较好', source: 'suggested' });
    const c = (name: string) => u.cadres.cadres.find((x: any) => x.name === name);
    // Base: 6 (the two 正职 apart), floor(20% × 6) = 1 place: 冯副书记 (98) is capped, the place passes to 干部1 (96).
    expect(u.cadres.quota).toMatchObject({ n: 6, max: 1, granted: 1 });
    expect(c('冯副书记').suggestion.grade).toBe('称职');
    expect(c('冯副书记').suggestion.rules[0]).toMatchObject({ id: '001-party-building-not-good', document: '《市党建工作成效考核办法》' });
    expect(c('冯副书记').suggestion.flags.map((f: any) => f.message)).toContain('本单位党建工作成效考核等次为“较好”（建议等次，尚未确定），达不到“好”：党委（党组）书记和分管党建工作的副职年度考核不得评定为“优秀”');
    expect(c('干部1').suggestion.grade).toBe('优秀');
    expect(c('吴书记').suggestion.flags.map((f: any) => f.code)).toEqual(['ASSESSED_APART', 'PARTY_BUILDING_BELOW_GOOD']);
    expect(c('郑镇长').suggestion.flags.map((f: any) => f.code)).toEqual(['ASSESSED_APART']);

    // 优秀 is refused for either of them, whatever the reason.
    for (const name of ['冯副书记', '吴书记']) {
      const res = await t.api('PUT', `/api/rounds/${round.id}/grades`, { targetType: 'cadre', targetId: ids.get(name), grade: '优秀', reason: '党委会研究认为表现突出' });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('PARTY_BUILDING_BELOW_GOOD');
    }

    // The committee records 一般 for 甲镇: the flag says it is final.
    ok(await t.api('PUT', `/api/rounds/${pbRound.id}/grades`, { targetType: 'unit', targetId: pbUnit.id, grade: '一般', reason: '考核委员会研究确定' }));
    u = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`)).domains[0].units[0];
    expect(u.cadres.partyBuilding).toMatchObject({ grade: '一般', source: 'final' });
    expect(c('冯副书记').suggestion.flags.map((f: any) => f.message)).toContain('本单位党建工作成效考核等次为“一般”（已确定），达不到“好”：党委（党组）书记和分管党建工作的副职年度考核不得评定为“优秀”');

    // Then 好: no cap; the deputy takes the one place with 98.
    ok(await t.api('PUT', `/api/rounds/${pbRound.id}/grades`, { targetType: 'unit', targetId: pbUnit.id, grade: '好', reason: '复核后调整' }));
    u = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`)).domains[0].units[0];
    expect(c('冯副书记').suggestion).toMatchObject({ grade: '优秀', flags: [] });
    expect(c('干部1').suggestion.grade).toBe('称职');
    ok(await t.api('PUT', `/api/rounds/${round.id}/grades`, { targetType: 'cadre', targetId: ids.get('冯副书记'), grade: '优秀' }));

    // Unlinking leaves no cap and a note.
    ok(await t.api('PUT', `/api/rounds/${round.id}/units/${unit.id}/party-building`, { partyBuildingUnitId: null }));
    u = ok(await t.api('GET', `/api/rounds/${round.id}/ranking`)).domains[0].units[0];
    expect(u.cadres.partyBuilding).toBeNull();
    expect(c('冯副书记').suggestion.flags.map((f: any) => f.code)).toEqual(['PARTY_BUILDING_NOT_LINKED']);
  });
});
