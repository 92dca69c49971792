// The scoring scheme of an assessment round, as data (forms/schemes/*.json). Pure: no I/O here.
// A scheme says, per domain (领域), how a unit's score is composed and how grades are suggested from the ranking;
// the rules it encodes come from seeds 001, 002 and 004, which each shipped scheme names in `source`.
import { Type, type Static } from 'typebox';
import * as Value from 'typebox/value';

const Key = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' });
const Label = Type.String({ minLength: 1, maxLength: 100 });
const Grade = Type.String({ minLength: 1, maxLength: 10 });

const SeedFile = Type.String({ pattern: '^[0-9]{3}_[0-9a-f]{16}\\.txt$' });

/**
 * A rule as people cite it: an id, the text it applies, and the quote it comes from. `seed` names the document when
 * it is not the scheme's own (the annual cadre grades of seed 004 apply seed 001 第十七条).
 */
export const RuleRefSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    text: Type.String({ minLength: 1, maxLength: 300 }),
    quote: Type.Optional(Type.String({ maxLength: 600 })),
    seed: Type.Optional(SeedFile),
  },
  { additionalProperties: false },
);
export type RuleRef = Static<typeof RuleRefSchema>;

const weighted = { key: Key, label: Label, weight: Type.Number({ minimum: 0, maximum: 10 }), rule: Type.Optional(RuleRefSchema) };

/** A score fed by a meeting's ballots (述职评议, 民主测评), 0–100; see docs/assessment.md for the exact number. */
const BallotComponent = Type.Object({ ...weighted, type: Type.Literal('ballot') }, { additionalProperties: false });
/** A score entered by hand, 0–max. */
const EnteredComponent = Type.Object({ ...weighted, type: Type.Literal('entered'), max: Type.Number({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false });
/** A level mapped to points (年度工作考评: 一等奖 / 二等奖 / other = 100 / 90 / 80, seed 002). */
const AwardComponent = Type.Object(
  {
    ...weighted,
    type: Type.Literal('award'),
    levels: Type.Array(Type.Object({ value: Key, label: Label, points: Type.Number({ minimum: 0, maximum: 1000 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 10 }),
  },
  { additionalProperties: false },
);
/** The mean of several entered parts (党建实绩 = mean of 基础工作 and 重点工作, seed 002). */
const MeanComponent = Type.Object(
  {
    ...weighted,
    type: Type.Literal('mean'),
    max: Type.Number({ minimum: 1, maximum: 1000 }),
    parts: Type.Array(Type.Object({ key: Key, label: Label }, { additionalProperties: false }), { minItems: 1, maxItems: 10 }),
    /**
     * When set, each part's items may be entered one by one (`<key>.<part>.<n>`, n = 1…itemsPerPart) and the value
     * is the mean over every item entered (seed 002: "对每项基础工作和重点工作进行评分(100 分制),取平均得分"), not
     * the mean of the parts' means. A part entered as one figure (`<key>.<part>`) counts as one item, flagged.
     */
    itemsPerPart: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  },
  { additionalProperties: false },
);
/** The indicator catalogue scored by deduction (扣分制, seed 001): Σ max(0, indicator max − its deductions). */
const DeductionComponent = Type.Object({ ...weighted, type: Type.Literal('deduction') }, { additionalProperties: false });
/** Bonus points per approved item, capped (创新工作 5 per item, at most 15, seed 002); added, not weighted. */
const BonusComponent = Type.Object(
  { ...weighted, type: Type.Literal('bonus'), pointsPerItem: Type.Number({ minimum: 0, maximum: 100 }), cap: Type.Number({ minimum: 0, maximum: 1000 }) },
  { additionalProperties: false },
);

export const ComponentSchema = Type.Union([BallotComponent, EnteredComponent, AwardComponent, MeanComponent, DeductionComponent, BonusComponent]);
export type Component = Static<typeof ComponentSchema>;

export const DeductionRuleSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,31}$' }),
    text: Type.String({ minLength: 1, maxLength: 400 }),
    points: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
    /** When set, the deduction is `points` per occurrence (每1起 / 每1项 / 每少1个百分点 ...); otherwise a fixed deduction. */
    per: Type.Optional(Type.String({ minLength: 1, maxLength: 10 })),
  },
  { additionalProperties: false },
);
export const IndicatorSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,31}$' }),
    section: Label,
    label: Type.String({ minLength: 1, maxLength: 200 }),
    max: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
    rules: Type.Array(DeductionRuleSchema, { minItems: 1, maxItems: 40 }),
  },
  { additionalProperties: false },
);
export type Indicator = Static<typeof IndicatorSchema>;

/** A fact about a unit that caps its grade (seed 001: named criticism, satisfaction survey at 一般 or worse). */
const CapSchema = Type.Object(
  {
    fact: Type.Union([Type.Literal('namedCriticism'), Type.Literal('satisfaction')]),
    /** For `satisfaction`: the survey grades that trigger the cap. */
    values: Type.Optional(Type.Array(Grade, { minItems: 1 })),
    maxGrade: Grade,
    rule: RuleRefSchema,
  },
  { additionalProperties: false },
);

/** 好 for at most `percent`% of the domain's units, ranked by score (seed 001; teams 优秀 ≤ 30%, seed 004). */
const QuotaGrading = Type.Object(
  {
    type: Type.Literal('quota'),
    /** Best first. */
    scale: Type.Array(Grade, { minItems: 2, maxItems: 6 }),
    top: Type.Object({ grade: Grade, percent: Type.Integer({ minimum: 0, maximum: 100 }), rule: RuleRefSchema }, { additionalProperties: false }),
    default: Type.Object({ grade: Grade, rule: RuleRefSchema }, { additionalProperties: false }),
    /** 排位靠后 and marked 成效不明显 (fact `ineffective`): within the bottom `bottomPercent`% of the ranking. */
    tail: Type.Optional(Type.Object({ grade: Grade, bottomPercent: Type.Integer({ minimum: 1, maximum: 100 }), rule: RuleRefSchema }, { additionalProperties: false })),
    /** 排名末位 and marked with grave problems (fact `graveProblem`). */
    last: Type.Optional(Type.Object({ grade: Grade, rule: RuleRefSchema }, { additionalProperties: false })),
    caps: Type.Array(CapSchema, { maxItems: 10 }),
    /** Marked 弄虚作假 (fact `falsified`): the grade otherwise due is lowered one step (seed 001 第十八条). */
    falsified: Type.Optional(Type.Object({ rule: RuleRefSchema }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
/** Top N / bottom N / the rest (seed 002: 镇街前十名优秀、后十名一般; 市直单位前三十名、后三十名). */
const BandsGrading = Type.Object(
  {
    type: Type.Literal('bands'),
    scale: Type.Array(Grade, { minItems: 2, maxItems: 6 }),
    top: Type.Object({ grade: Grade, count: Type.Integer({ minimum: 0, maximum: 1000 }), rule: RuleRefSchema }, { additionalProperties: false }),
    bottom: Type.Object({ grade: Grade, count: Type.Integer({ minimum: 0, maximum: 1000 }), rule: RuleRefSchema }, { additionalProperties: false }),
    default: Type.Object({ grade: Grade, rule: RuleRefSchema }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export const GradingSchema = Type.Union([QuotaGrading, BandsGrading]);
export type Grading = Static<typeof GradingSchema>;
export type QuotaGradingSpec = Static<typeof QuotaGrading>;
export type BandsGradingSpec = Static<typeof BandsGrading>;

/** Annual grades of cadres (seed 004). */
export const CadreRulesSchema = Type.Object(
  {
    scale: Type.Array(Grade, { minItems: 2, maxItems: 6 }),
    excellent: Type.Object(
      {
        grade: Grade,
        minScore: Type.Number({ minimum: 0, maximum: 100 }),
        /** The share of a unit's cadres that may be 优秀, by the team's grade. */
        percentByTeamGrade: Type.Record(Type.String(), Type.Integer({ minimum: 0, maximum: 100 })),
        defaultPercent: Type.Integer({ minimum: 0, maximum: 100 }),
        rule: RuleRefSchema,
        scoreRule: RuleRefSchema,
      },
      { additionalProperties: false },
    ),
    default: Type.Object({ grade: Grade, rule: RuleRefSchema }, { additionalProperties: false }),
    /** The head (主要负责人) of a team of this grade may be at most `maxGrade`. */
    headCaps: Type.Array(Type.Object({ teamGrade: Grade, maxGrade: Grade, rule: RuleRefSchema }, { additionalProperties: false }), { maxItems: 10 }),
    /** No 优秀 in the year's daily evaluations: at most `maxGrade`. */
    dailyCap: Type.Optional(Type.Object({ maxGrade: Grade, rule: RuleRefSchema }, { additionalProperties: false })),
    /**
     * The heads (正职) are assessed apart: out of the unit's base, taking none of its 优秀 places, their grade
     * decided elsewhere; `maxHeads` of them per unit (乡镇党政正职: the party secretary and the township head).
     */
    apart: Type.Optional(Type.Object({ maxHeads: Type.Integer({ minimum: 1, maximum: 5 }), rule: RuleRefSchema }, { additionalProperties: false })),
    /**
     * The unit's heads may not be 优秀 ("不能参加评优") when the unit is marked with a 群体性事件, a 问责, a party-building
     * ranking near the bottom or a major corruption case (unit facts, seed 004).
     */
    headBar: Type.Optional(Type.Object({ rule: RuleRefSchema }, { additionalProperties: false })),
    /** 立案审查调查尚未结案 (cadre fact `underInvestigation`): counted in the base, no grade, no 优秀 place. */
    investigation: Type.Optional(Type.Object({ rule: RuleRefSchema }, { additionalProperties: false })),
    /** Retired before 31 December of the year (cadre fact `retired`): not assessed, out of the base. */
    retired: Type.Optional(Type.Object({ rule: RuleRefSchema }, { additionalProperties: false })),
    /**
     * 挂职 (cadre fact `secondment`): `fromAbove` (中央、省、市下派) assessed here, out of the base, 优秀 without taking a
     * place; `countyCounted` (县级下派满6个月) counted like any cadre; `countyHome` (不满6个月) assessed in the home unit.
     */
    secondment: Type.Optional(Type.Object({ fromAbove: RuleRefSchema, countyCounted: RuleRefSchema, countyHome: RuleRefSchema }, { additionalProperties: false })),
    /**
     * A unit whose 党建工作成效考核 grade (a linked unit of another round) is not `requiredGrade`: its secretary and its
     * deputy for party building (cadre fact `partyRole`) are at most `maxGrade`.
     */
    partyBuilding: Type.Optional(Type.Object({ requiredGrade: Grade, maxGrade: Grade, rule: RuleRefSchema }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type CadreRules = Static<typeof CadreRulesSchema>;

export const SchemeSchema = Type.Object(
  {
    id: Key,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    source: Type.Object({ seed: SeedFile, quote: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
    formulas: Type.Record(Key, Type.Array(ComponentSchema, { minItems: 1, maxItems: 20 })),
    gradings: Type.Record(Key, GradingSchema),
    domains: Type.Array(
      Type.Object(
        {
          key: Key,
          label: Label,
          formula: Key,
          grading: Key,
          /**
           * The domain's own deduction catalogue (seed 001 第八条: each of its five domains has its own): a key of
           * `catalogues`, or null when the domain has none yet (its deduction part cannot be scored, and says so).
           * Absent: the scheme's `indicators`.
           */
          catalogue: Type.Optional(Type.Union([Key, Type.Null()])),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
    indicators: Type.Optional(Type.Array(IndicatorSchema, { maxItems: 200 })),
    catalogues: Type.Optional(Type.Record(Key, Type.Array(IndicatorSchema, { maxItems: 200 }))),
    cadres: Type.Optional(CadreRulesSchema),
  },
  { additionalProperties: false },
);
export type Scheme = Static<typeof SchemeSchema>;

export class SchemeError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
    this.name = 'SchemeError';
  }
}

/** Validates a scheme: its shape, then the references between its parts (formulas, gradings, grades, indicators). */
export function parseScheme(raw: unknown, source: string): Scheme {
  if (!Value.Check(SchemeSchema, raw)) {
    const problems = Value.Errors(SchemeSchema, raw)
      .slice(0, 10)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new SchemeError(source, problems);
  }
  const s = raw as Scheme;
  const problems: string[] = [];
  const domainKeys = new Set<string>();
  for (const d of s.domains) {
    if (domainKeys.has(d.key)) problems.push(`domain "${d.key}" is listed twice`);
    domainKeys.add(d.key);
    if (!s.formulas[d.formula]) problems.push(`domain "${d.key}" uses unknown formula "${d.formula}"`);
    if (!s.gradings[d.grading]) problems.push(`domain "${d.key}" uses unknown grading "${d.grading}"`);
    if (typeof d.catalogue === 'string' && !s.catalogues?.[d.catalogue]) problems.push(`domain "${d.key}" uses unknown catalogue "${d.catalogue}"`);
  }
  for (const [id, comps] of Object.entries(s.formulas)) {
    const keys = new Set<string>();
    for (const c of comps) {
      if (keys.has(c.key)) problems.push(`formula "${id}": component "${c.key}" is listed twice`);
      keys.add(c.key);
      if (c.type === 'deduction' && !(s.indicators && s.indicators.length > 0) && !s.catalogues) problems.push(`formula "${id}": a deduction component needs the indicator catalogue`);
    }
  }
  for (const [id, g] of Object.entries(s.gradings)) {
    const grades = new Set(g.scale);
    const named = [g.top.grade, g.default.grade, ...(g.type === 'bands' ? [g.bottom.grade] : [...g.caps.map((c) => c.maxGrade), ...(g.tail ? [g.tail.grade] : []), ...(g.last ? [g.last.grade] : [])])];
    for (const n of named) if (!grades.has(n)) problems.push(`grading "${id}": grade "${n}" is not on its scale`);
  }
  if (s.indicators) {
    const ids = new Set<string>();
    for (const ind of s.indicators) {
      if (ids.has(ind.id)) problems.push(`indicator "${ind.id}" is listed twice`);
      ids.add(ind.id);
      const rids = new Set<string>();
      for (const r of ind.rules) {
        if (rids.has(r.id)) problems.push(`indicator "${ind.id}": rule "${r.id}" is listed twice`);
        rids.add(r.id);
      }
    }
  }
  if (s.cadres) {
    const grades = new Set(s.cadres.scale);
    for (const n of [s.cadres.excellent.grade, s.cadres.default.grade, ...s.cadres.headCaps.map((h) => h.maxGrade), ...(s.cadres.dailyCap ? [s.cadres.dailyCap.maxGrade] : []), ...(s.cadres.partyBuilding ? [s.cadres.partyBuilding.maxGrade] : [])]) {
      if (!grades.has(n)) problems.push(`cadres: grade "${n}" is not on the cadre scale`);
    }
  }
  if (problems.length > 0) throw new SchemeError(source, problems);
  return s;
}

/** The inputs an admin may enter for a component: key → what it takes. */
export type InputSpec = { input: string; component: string; label: string; kind: 'number'; min: number; max: number; integer: boolean } | { input: string; component: string; label: string; kind: 'level'; levels: string[]; levelLabels: string[] };

export function inputsOf(components: readonly Component[]): InputSpec[] {
  const out: InputSpec[] = [];
  for (const c of components) {
    switch (c.type) {
      case 'entered':
        out.push({ input: c.key, component: c.key, label: c.label, kind: 'number', min: 0, max: c.max, integer: false });
        break;
      case 'award':
        out.push({ input: c.key, component: c.key, label: c.label, kind: 'level', levels: c.levels.map((l) => l.value), levelLabels: c.levels.map((l) => l.label) });
        break;
      case 'mean':
        for (const p of c.parts) {
          out.push({ input: `${c.key}.${p.key}`, component: c.key, label: `${c.label}·${p.label}`, kind: 'number', min: 0, max: c.max, integer: false });
          for (let n = 1; n <= (c.itemsPerPart ?? 0); n++) {
            out.push({ input: `${c.key}.${p.key}.${n}`, component: c.key, label: `${c.label}·${p.label}第${n}项`, kind: 'number', min: 0, max: c.max, integer: false });
          }
        }
        break;
      case 'bonus':
        out.push({ input: c.key, component: c.key, label: `${c.label}（项数，每项 ${c.pointsPerItem} 分，封顶 ${c.cap} 分）`, kind: 'number', min: 0, max: 100, integer: true });
        break;
      case 'ballot':
        // A ballot component may also be entered by hand when its evaluation was held on paper elsewhere;
        // a linked meeting takes precedence (see docs/assessment.md).
        out.push({ input: c.key, component: c.key, label: c.label, kind: 'number', min: 0, max: 100, integer: false });
        break;
      case 'deduction':
        break;
    }
  }
  return out;
}

/** Worse-of on a best-first scale. */
export function worseGrade(scale: readonly string[], a: string, b: string): string {
  return scale.indexOf(a) >= scale.indexOf(b) ? a : b;
}

/** A domain's deduction catalogue; null when the domain has none (see the domain's `catalogue`). */
export function catalogueOf(scheme: Scheme, domain: string): Indicator[] | null {
  const d = scheme.domains.find((x) => x.key === domain);
  if (!d) return null;
  if (d.catalogue === undefined) return scheme.indicators ?? null;
  if (d.catalogue === null) return null;
  return scheme.catalogues?.[d.catalogue] ?? null;
}
