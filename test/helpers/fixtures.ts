// Plain test data shared by the tests and the benchmarks. Imports nothing of the app.

export const ADMIN = { username: 'admin', password: 'correct-horse-battery' };

/** 好 / 较好 / 一般 / 差 at 100 / 80 / 60 / 40 (002_ef31b3aa8f1f181a.txt: 每个档次对应100、80、60、40 分值). */
export const FOUR_GRADE_SCALE = {
  label: '好/较好/一般/差',
  grades: [
    { value: 'good', label: '好', points: 100, favourable: true },
    { value: 'fairly-good', label: '较好', points: 80, favourable: true },
    { value: 'average', label: '一般', points: 60 },
    { value: 'poor', label: '差', points: 40 },
  ],
};

/** A village meeting (村) with its organisation, team and seven members on the three seed-003 forms. */
export const villageMeeting = (overrides: Record<string, unknown> = {}) => ({
  title: '2026年度插旗村党组织政治建设考察暨班子年度考核',
  unit: '插旗镇插旗村',
  kind: 'village' as const,
  formIds: ['village-political-construction', 'village-annual-review', 'village-secretary-report'],
  subjects: [
    { name: '插旗村党总支', kind: 'organisation' as const },
    { name: '插旗村“两委”班子', kind: 'team' as const },
    { name: '张建国', kind: 'person' as const, title: '党总支书记、村委会主任', isHead: true },
    { name: '李秀英', kind: 'person' as const, title: '党总支副书记' },
    { name: '王志强', kind: 'person' as const, title: '村委会副主任' },
    { name: '赵丽华', kind: 'person' as const, title: '妇联主席' },
    { name: '陈明', kind: 'person' as const, title: '组织委员' },
    { name: '刘洋', kind: 'person' as const, title: '村务监督委员会主任' },
    { name: '周平', kind: 'person' as const, title: '村委委员' },
  ],
  ...overrides,
});

/** A complete ballot for the voter-facing form JSON: every subject of every graded item gets `grade`. */
export function fullBallot(form: any, pick: (q: any, s?: any) => string = () => 'good'): Record<string, Record<string, unknown>> {
  const answers: Record<string, Record<string, unknown>> = {};
  for (const f of form.forms) {
    const fa: Record<string, unknown> = {};
    for (const q of f.questions) {
      if (q.type === 'graded' && q.subjects) fa[q.id] = Object.fromEntries(q.subjects.map((s: any) => [s.id, pick(q, s)]));
      else if (q.type === 'graded') fa[q.id] = pick(q);
      else if (q.type === 'text' && q.required) fa[q.id] = '无';
      else if (q.type === 'single' && q.required) fa[q.id] = q.options[0].value;
      else if (q.type === 'multiple' && q.required) fa[q.id] = [q.options[0].value];
      else if (q.type === 'nomination' && q.required) fa[q.id] = { options: [q.options[0].value], writeIns: [] };
    }
    answers[f.id] = fa;
  }
  return answers;
}

/** A small deterministic generator (mulberry32), so that test and benchmark data vary yet repeat exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A city department's team rated by 领导自评 (40 %) and 民主评议 (60 %), seed 002_ef31b3aa8f1f181a.txt. */
export const cityUnitMeeting = (overrides: Record<string, unknown> = {}) => ({
  title: '市某局领导班子民主测评',
  unit: '市某局',
  kind: 'city-dept' as const,
  formIds: ['unit-democratic-evaluation'],
  subjects: [{ name: '市某局领导班子', kind: 'team' as const }],
  categories: [
    { key: 'self', label: '领导自评', weight: 0.4 },
    { key: 'staff', label: '民主评议', weight: 0.6 },
  ],
  minRespondents: 10,
  minReason: '测试：本单位干部职工共 10 余人',
  ...overrides,
});
