// Two closed meetings as a county office runs them, for the 统计表 tests: a village meeting (seed
// 003_43142c8fa1f20547.txt: the village's three instruments and the 后备干部 nomination) and a county unit's
// annual review of its team and 13 cadres (seed 004_9ba8455c36f7d67d.txt, 优秀 within 20 % per ballot).
import { expect } from 'vitest';
import { fullBallot, villageMeeting, type TestApp } from './app.js';
import { seededRandom } from './fixtures.js';


/** A grade index skewed to the top grades, skewed more for the first subjects in the list. */
function skewed(rand: () => number, position: number): number {
  const x = rand() + position * 0.04;
  return x < 0.45 ? 0 : x < 0.8 ? 1 : x < 0.95 ? 2 : 3;
}

export interface ClosedMeeting {
  id: string;
  subjects: Array<{ id: string; name: string; kind: string; title?: string | null }>;
  ballots: number;
}

async function run(t: TestApp, body: Record<string, unknown>, count: number, pick: (i: number, rand: () => number) => (q: any, s?: any) => string, edit?: (i: number, answers: Record<string, Record<string, unknown>>, form: any) => void): Promise<ClosedMeeting> {
  const m = await t.api('POST', '/api/meetings', body);
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const id = m.body.id as string;
  const slips = await t.api('POST', `/api/meetings/${id}/slips`, { count });
  expect(slips.status, JSON.stringify(slips.body)).toBe(201);
  expect((await t.api('POST', `/api/meetings/${id}/open`, {})).status).toBe(200);
  for (let i = 0; i < count; i++) {
    const token = slips.body.tokens[i] as string;
    const form = await t.api('GET', `/api/ballot/${token}`);
    expect(form.status).toBe(200);
    const answers = fullBallot(form.body, pick(i, seededRandom(1000 + i)));
    // The last ballot of a meeting with `edit` comes on paper, keyed in under its short code (it may leave blanks).
    const paper = edit !== undefined && i === count - 1;
    edit?.(i, answers, form.body);
    const cast = paper ? await t.api('POST', `/api/meetings/${id}/paper-ballots`, { code: slips.body.shortCodes[i], answers }) : await t.api('POST', `/api/ballot/${token}`, { answers });
    expect(cast.status, JSON.stringify(cast.body)).toBe(201);
  }
  expect((await t.api('POST', `/api/meetings/${id}/close`, {})).status).toBe(200);
  return { id, subjects: m.body.subjects, ballots: count };
}

/** A village meeting of `count` ballots (below the minimum of 70 unless count ≥ 70), with two reserve candidates; the last on paper. */
export function closedVillageMeeting(t: TestApp, count: number): Promise<ClosedMeeting> {
  const base = villageMeeting();
  const body = villageMeeting({
    formIds: [...base.formIds, 'village-reserve-nomination'],
    subjects: [...base.subjects, { name: '王小明', kind: 'candidate', title: '村团支部书记' }, { name: '孙丽', kind: 'candidate', title: '村妇联执委' }],
  });
  const order = new Map(base.subjects.map((s, i) => [s.name, i]));
  return run(
    t,
    body,
    count,
    (_i, rand) => (q, s) => q.scale[skewed(rand, s ? (order.get(s.name) ?? 0) : 0)].value,
    (i, answers, form) => {
      // The paper ballot leaves 周平 blank on every item of the annual review: 5 弃权 in his row.
      if (i === count - 1) {
        const zhou = form.forms.find((f: any) => f.id === 'village-annual-review').questions.find((q: any) => q.subjects).subjects.find((s: any) => s.name === '周平').id;
        for (const a of Object.values(answers['village-annual-review']!)) if (a && typeof a === 'object') delete (a as Record<string, unknown>)[zhou];
      }
      const nomination = form.forms.find((f: any) => f.id === 'village-reserve-nomination').questions[0];
      answers['village-reserve-nomination'] = { [nomination.id]: { options: i % 3 === 2 ? [nomination.options[1].value] : [nomination.options[0].value], writeIns: i % 4 === 0 ? ['周小东'] : [] } };
    },
  );
}

export const COUNTY_CADRES = [
  ['王海峰', '局长'],
  ['李国栋', '党组书记'],
  ['张卫东', '党组副书记、副局长'],
  ['刘建华', '副局长'],
  ['陈晓燕', '副局长'],
  ['杨志刚', '纪检组组长'],
  ['赵明', '总会计师'],
  ['黄丽娟', '总经济师'],
  ['周文斌', '副局长'],
  ['吴春梅', '工会主席'],
  ['徐涛', '办公室主任'],
  ['孙立新', '调研员'],
  ['马俊', '副调研员'],
] as const;

/** A county unit (县直单位) reviewing its team and 13 cadres: at most 2 of 13 优秀 per ballot (20 %, rounded down). */
export function closedCountyMeeting(t: TestApp, count: number): Promise<ClosedMeeting> {
  const body = {
    title: '2026年度县财政局领导班子和领导干部年度考核民主测评',
    unit: '某县财政局',
    kind: 'county',
    formIds: ['county-team-evaluation', 'county-cadre-evaluation'],
    subjects: [{ name: '县财政局领导班子', kind: 'team' }, ...COUNTY_CADRES.map(([name, title], i) => ({ name, kind: 'person', title, ...(i === 0 ? { isHead: true } : {}) }))],
  };
  const order = new Map(COUNTY_CADRES.map(([name], i) => [name as string, i]));
  return run(t, body, count, (i, rand) => (q, s) => {
    const position = s ? (order.get(s.name) ?? 0) : 0;
    if (q.id === 'cadre-overall') {
      // Two 优秀 per ballot, spread over the first eight; the others 称职, some 基本称职, rarely 不称职.
      if (position === i % 3 || position === 3 + (i % 5)) return 'excellent';
      const x = rand() + position * 0.02;
      return x < 0.8 ? 'competent' : x < 0.97 ? 'basically-competent' : 'incompetent';
    }
    // 不了解 now and then on the items that offer it.
    if (q.scale.length > 4 && rand() < 0.06) return 'unknown';
    return q.scale[skewed(rand, position)].value;
  });
}
