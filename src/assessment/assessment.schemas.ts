// TypeBox request and response schemas of the assessment routes.
import { Type } from 'typebox';
import { Flag } from '../shared/schemas.js';
import { PARTY_ROLES, SECONDMENTS } from '../domain/assessment/cadre-facts.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const Key = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9.-]{0,63}$' });
const Note = Type.String({ minLength: 2, maxLength: 1000, description: '说明（必填）' });
const Evidence = Type.String({ minLength: 2, maxLength: 500, description: '佐证材料（文号、台账编号、链接等，必填）' });
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
/** What every view of a cadre shows. */
const CadreCore = { id: Type.String(), name: Type.String(), title: NullableString, isHead: Type.Boolean(), score: NullableNumber };

export const RoundParams = Type.Object({ id: Id });
export const UnitParams = Type.Object({ id: Id, unitId: Id });
export const InputParams = Type.Object({ id: Id, unitId: Id, input: Key });
export const ComponentParams = Type.Object({ id: Id, unitId: Id, component: Key });
export const DeductionParams = Type.Object({ id: Id, unitId: Id, deductionId: Id });
export const CadreParams = Type.Object({ id: Id, cadreId: Id });

export const CreateRoundBody = Type.Object(
  { title: Type.String({ minLength: 2, maxLength: 200 }), schemeId: Key },
  { additionalProperties: false },
);
export const AddUnitsBody = Type.Object(
  { units: Type.Array(Type.Object({ domain: Key, name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);
const Grade = Type.String({ minLength: 1, maxLength: 10 });
export const FactsBody = Type.Object(
  {
    namedCriticism: Type.Optional(Type.Boolean({ description: '受到党中央、国务院、省委、省人民政府点名或通报批评（001）' })),
    satisfaction: Type.Optional(Type.Union([Type.Union([Type.Literal('好'), Type.Literal('较好'), Type.Literal('一般'), Type.Literal('差')]), Type.Null()], { description: '党内集中教育满意度调查评估等次（001）' })),
    graveProblem: Type.Optional(Type.Boolean({ description: '存在重大问题，造成严重影响（001）' })),
    ineffective: Type.Optional(Type.Boolean({ description: '加强党的建设年度成效不明显（001）' })),
    falsified: Type.Optional(Type.Boolean({ description: '在考核中弄虚作假（001 第十八条：降低等次）' })),
    massIncident: Type.Optional(Type.Boolean({ description: '本辖区内出现群体性事件（004：主要领导不能参加评优）' })),
    heldAccountable: Type.Optional(Type.Boolean({ description: '被县委、政府问责（004）' })),
    partyBuildingLow: Type.Optional(Type.Boolean({ description: '党建工作排在全县后列（004）' })),
    majorCorruption: Type.Optional(Type.Boolean({ description: '本乡镇、本部门出现重大腐败案件（004）' })),
    note: Note,
    evidence: Evidence,
  },
  { additionalProperties: false },
);
export const InputBody = Type.Object(
  { value: Type.Union([Type.Number({ minimum: 0, maximum: 1000 }), Type.String({ minLength: 1, maxLength: 32 })]), note: Note, evidence: Evidence },
  { additionalProperties: false },
);
export const DeductionBody = Type.Object(
  {
    indicatorId: Type.String({ minLength: 1, maxLength: 32 }),
    ruleId: Type.String({ minLength: 1, maxLength: 32 }),
    occurrences: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
    note: Note,
    evidence: Evidence,
  },
  { additionalProperties: false },
);
export const WithdrawBody = Type.Object({ reason: Type.String({ minLength: 2, maxLength: 1000 }) }, { additionalProperties: false });
export const LinkBody = Type.Object(
  { meetingId: Id, formId: Type.String({ minLength: 1, maxLength: 64 }), subjectId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])) },
  { additionalProperties: false },
);
const Secondment = Type.Enum([...SECONDMENTS], {
  description:
    '挂职情况（004）：none 非挂职干部；from-above 中央、省、市下派挂职（在本单位考核，优秀不占本单位指标，不计算考核基数）；county-6plus 县级下派挂职满6个月（纳入本单位考核，占优秀指标）；county-under6 县级下派挂职不满6个月（在原单位考核，本单位不定等次）',
});
const PartyRole = Type.Enum([...PARTY_ROLES], {
  description: '党建职责（001 第十七条）：none 无；secretary 党委（党组）书记；party-building-deputy 分管党建工作的副职。本单位党建工作成效考核达不到“好”等次的，二者年度考核不得评定为优秀',
});
const CadreFields = {
  title: Type.Optional(Type.String({ maxLength: 100, description: '职务' })),
  isHead: Type.Optional(Type.Boolean({ description: '主要负责人（党政正职）' })),
  score: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()], { description: '测评分值（0–100）' })),
  noExcellentInDaily: Type.Optional(Type.Boolean({ description: '日常考核评价中全年领导评价无“优秀”等次（004：不得评为优秀）' })),
  underInvestigation: Type.Optional(Type.Boolean({ description: '涉嫌违纪违法被立案审查调查尚未结案（004：参加年度考核、计算考核基数，但不确定等次，待结案后确定）' })),
  retired: Type.Optional(Type.Boolean({ description: '考核年度12月31日前退休（004：不参加年度考核，不计算考核基数）' })),
  secondment: Type.Optional(Secondment),
  partyRole: Type.Optional(PartyRole),
};
export const AddCadresBody = Type.Object(
  { cadres: Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 50 }), ...CadreFields }, { additionalProperties: false }), { minItems: 1, maxItems: 200 }) },
  { additionalProperties: false },
);
export const EditCadreBody = Type.Object(CadreFields, { additionalProperties: false, minProperties: 1 });
export const PartyBuildingLinkBody = Type.Object(
  { partyBuildingUnitId: Type.Union([Id, Type.Null()], { description: '党建工作成效考核轮次中同一单位的编号；null 取消关联（001 第十七条）' }) },
  { additionalProperties: false },
);
export const GradeBody = Type.Object(
  { targetType: Type.Union([Type.Literal('unit'), Type.Literal('cadre')]), targetId: Id, grade: Grade, reason: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);

// ---- responses

const RuleCite = Type.Object({ id: Type.String(), text: Type.String(), seed: Type.String(), document: Type.Optional(Type.String({ description: 'the title of the document the rule comes from: what users see (never id or seed)' })) });
export const SuggestionView = Type.Object({ grade: NullableString, rules: Type.Array(RuleCite), tieAtBoundary: Type.Boolean(), flags: Type.Array(Flag) });
export const DecisionView = Type.Object({
  grade: Type.String(),
  suggested: NullableString,
  reason: NullableString,
  decidedBy: Type.String(),
  decidedAt: Type.String(),
  departsFromSuggestion: Type.Boolean(),
  suggestionChanged: Type.Boolean(),
});
const QuotaView = Type.Object({
  kind: Type.String(),
  grade: Type.String(),
  rule: RuleCite,
  n: Type.Integer(),
  percent: Type.Union([Type.Integer(), Type.Null()]),
  max: Type.Integer(),
  arithmetic: Type.String(),
  granted: Type.Integer(),
  tieAtBoundary: Type.Boolean(),
  boundaryScore: NullableNumber,
});
const ComponentView = Type.Object({
  key: Type.String(),
  label: Type.String(),
  type: Type.String(),
  weight: Type.Number(),
  value: NullableNumber,
  contribution: NullableNumber,
  source: Type.String(),
  detail: Type.String(),
  ballot: Type.Optional(
    Type.Object({
      meetingId: Type.String(),
      meetingTitle: Type.String(),
      formId: Type.String(),
      subjectId: NullableString,
      value: NullableNumber,
      items: Type.Integer(),
      usable: Type.Boolean(),
      flags: Type.Array(Flag),
    }),
  ),
  indicators: Type.Optional(Type.Array(Type.Object({ indicatorId: Type.String(), label: Type.String(), max: Type.Number(), deducted: Type.Number(), score: Type.Number(), floored: Type.Boolean() }))),
  flags: Type.Array(Flag),
});
export const RankingView = Type.Object({
  roundId: Type.String(),
  title: Type.String(),
  schemeId: Type.String(),
  schemeTitle: Type.String(),
  seed: Type.String(),
  document: Type.Optional(Type.String({ description: 'the title of the document the scheme follows: what users see' })),
  cadreScale: Type.Union([Type.Array(Type.String()), Type.Null()]),
  domains: Type.Array(
    Type.Object({
      key: Type.String(),
      label: Type.String(),
      gradingType: Type.String(),
      scale: Type.Array(Type.String()),
      provisional: Type.Boolean(),
      flags: Type.Array(Flag),
      quotas: Type.Array(QuotaView),
      units: Type.Array(
        Type.Object({
          id: Type.String(),
          name: Type.String(),
          rank: Type.Union([Type.Integer(), Type.Null()]),
          total: NullableNumber,
          complete: Type.Boolean(),
          components: Type.Array(ComponentView),
          flags: Type.Array(Flag),
          suggestion: SuggestionView,
          decision: Type.Union([DecisionView, Type.Null()]),
          cadres: Type.Optional(
            Type.Object({
              teamGrade: NullableString,
              teamGradeSource: Type.String(),
              partyBuilding: Type.Optional(Type.Union([
                Type.Object({
                  unitId: Type.String(),
                  unitName: Type.String(),
                  roundId: Type.String(),
                  roundTitle: Type.String(),
                  grade: NullableString,
                  source: Type.String({ description: 'final（已确定）、suggested（建议等次）或 none（尚无等次）' }),
                }),
                Type.Null(),
              ])),
              quota: QuotaView,
              flags: Type.Array(Flag),
              cadres: Type.Array(
                Type.Object({
                  ...CadreCore,
                  inBase: Type.Boolean({ description: '计算本单位考核基数' }),
                  suggestion: SuggestionView,
                  decision: Type.Union([DecisionView, Type.Null()]),
                }),
              ),
            }),
          ),
        }),
      ),
    }),
  ),
});

const InputSpecView = Type.Object({
  input: Type.String(),
  component: Type.String(),
  label: Type.String(),
  kind: Type.String(),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  integer: Type.Optional(Type.Boolean()),
  levels: Type.Optional(Type.Array(Type.String())),
  /** The levels in words (一等奖 …), in the order of `levels`: what the console shows. */
  levelLabels: Type.Optional(Type.Array(Type.String())),
});
export const SchemeSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.Optional(Type.String()),
  seed: Type.String(),
  document: Type.Optional(Type.String({ description: 'the title of the document the scheme follows: what users see' })),
  domains: Type.Array(
    Type.Object({
      key: Type.String(),
      label: Type.String(),
      inputs: Type.Array(InputSpecView),
      ballotComponents: Type.Array(Type.Object({ key: Type.String(), label: Type.String() })),
      hasCatalogue: Type.Optional(Type.Boolean({ description: 'for a formula scored by deduction: whether the domain has its own catalogue (false: its indicator part cannot be scored yet)' })),
    }),
  ),
  indicators: Type.Array(
    Type.Object({
      id: Type.String(),
      section: Type.String(),
      label: Type.String(),
      max: Type.Number(),
      rules: Type.Array(Type.Object({ id: Type.String(), text: Type.String(), points: Type.Number(), per: Type.Optional(Type.String()) })),
    }),
  ),
  cadres: Type.Boolean(),
  /** Which cadre facts the scheme has rules for (rounds keep the scheme they were created with). */
  cadreRules: Type.Optional(
    Type.Object({
      investigation: Type.Boolean(),
      retired: Type.Boolean(),
      secondment: Type.Boolean(),
      /** The unit facts that bar its heads from 评优 (004) apply. */
      headBar: Type.Boolean(),
      partyBuilding: Type.Union([Type.Object({ seed: Type.String(), document: Type.String(), requiredGrade: Type.String(), text: Type.String() }), Type.Null()]),
    }),
  ),
});

const Entered = { note: Type.String(), evidence: Type.String(), enteredBy: Type.String(), enteredAt: Type.String() };
export const RoundView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  schemeId: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  scheme: SchemeSummary,
  units: Type.Array(
    Type.Object({
      id: Type.String(),
      domain: Type.String(),
      name: Type.String(),
      facts: Type.Record(Type.String(), Type.Unknown()),
      inputs: Type.Array(Type.Object({ input: Type.String(), value: Type.Union([Type.Number(), Type.String()]), ...Entered })),
      deductions: Type.Array(Type.Object({ id: Type.String(), indicatorId: Type.String(), ruleId: Type.String(), occurrences: Type.Number(), points: Type.Number(), ...Entered })),
      links: Type.Array(Type.Object({ component: Type.String(), meetingId: Type.String(), formId: Type.String(), subjectId: NullableString })),
      partyBuildingUnitId: NullableString,
      cadres: Type.Array(
        Type.Object({
          ...CadreCore,
          noExcellentInDaily: Type.Boolean(),
          underInvestigation: Type.Boolean(),
          retired: Type.Boolean(),
          secondment: Type.String(),
          partyRole: Type.String(),
        }),
      ),
    }),
  ),
});
export const RoundSummary = Type.Object({ id: Type.String(), title: Type.String(), schemeId: Type.String(), createdBy: Type.String(), createdAt: Type.String() });
