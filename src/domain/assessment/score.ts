// A unit's composite score under its domain's formula. Pure: every input is already loaded.
import type { Flag, FormResult } from '../tally.js';
import type { Component, Indicator } from './scheme.js';

/** What a linked meeting contributes to a ballot component; see ballotScoreFromTally. */
export interface BallotScore {
  meetingId: string;
  meetingTitle: string;
  formId: string;
  subjectId: string | null;
  /** The number read from the tally (0–100), shown even when it may not be used. */
  value: number | null;
  /** Graded items the value is the mean of. */
  items: number;
  /** False when the meeting is not closed or its turnout is flagged (BELOW_MINIMUM ...): shown, never used. */
  usable: boolean;
  flags: Flag[];
}

/**
 * The number a ballot component takes from a meeting's tally: the mean, over the graded items of the linked
 * form, of the weighted mean points (seed 002: categories such as 领导自评 40% / 民主评议 60%; without categories the
 * plain mean points; never the pooled mean in its place) of the linked subject — or, for a form whose items have no subject (the secretary's report,
 * 述职评议), of the item itself. Items nobody graded are left out; with none left the value is null.
 */
export function ballotScoreFromTally(forms: readonly FormResult[], formId: string, subjectId: string | null): { value: number | null; items: number } {
  const form = forms.find((f) => f.formId === formId);
  if (!form) return { value: null, items: 0 };
  const values: number[] = [];
  for (const q of form.questions) {
    if (q.type !== 'graded') continue;
    // One scale per score: items on another scale (e.g. an overall 优秀/良好 beside 好/较好 items) are not mixed in.
    if (form.scoreScale && q.scale && q.scale !== form.scoreScale) continue;
    if (subjectId === null) {
      if (q.subjects) continue;
      const v = q.weightedMeanPoints ?? null;
      if (v !== null) values.push(v);
    } else {
      const s = q.subjects?.find((x) => x.subjectId === subjectId);
      const v = s ? s.weightedMeanPoints : null;
      if (v !== null) values.push(v);
    }
  }
  return { value: values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null, items: values.length };
}

/**
 * Turnout flags that concern another instrument than the ballots (个别谈话), so they are shown with the score but do
 * not stop it. Every other flag — BELOW_MINIMUM, MINIMUM_UNKNOWN, more ballots than people or slips, and any flag
 * added later — stops it: unknown means unusable.
 */
export const NON_BLOCKING_FLAGS: ReadonlySet<string> = new Set(['INTERVIEWS_BELOW_MINIMUM']);

/** A meeting's figures may feed a score only when the poll is closed and its turnout carries no blocking flag. */
export function ballotUsable(status: string, turnoutFlags: readonly Flag[]): { usable: boolean; flags: Flag[] } {
  const flags = [...turnoutFlags];
  if (status !== 'closed') flags.push({ code: 'MEETING_NOT_CLOSED', message: '测评会议尚未结束投票，得分暂不计入' });
  return { usable: flags.every((f) => NON_BLOCKING_FLAGS.has(f.code)), flags };
}

export interface DeductionEntry {
  indicatorId: string;
  ruleId: string;
  occurrences: number;
  points: number;
}

/** The points one deduction takes: `points` per occurrence for a per-occurrence rule, else the fixed points. */
export function deductionPoints(rule: { points: number; per?: string | undefined }, occurrences: number): number {
  return rule.per ? round6(rule.points * occurrences) : rule.points;
}

export interface IndicatorScore {
  indicatorId: string;
  label: string;
  max: number;
  deducted: number;
  /** max − deducted, never below zero (seed 001: 扣分制). */
  score: number;
  /** True when the deductions exceed the maximum and the floor at zero applied. */
  floored: boolean;
}

/** The catalogue part (seed 001: 80 points scored by deduction, each indicator floored at zero). */
export function scoreIndicators(indicators: readonly Indicator[], deductions: readonly DeductionEntry[]): { total: number; indicators: IndicatorScore[] } {
  const byIndicator = new Map<string, number>();
  for (const d of deductions) byIndicator.set(d.indicatorId, (byIndicator.get(d.indicatorId) ?? 0) + d.points);
  const out = indicators.map((ind) => {
    const deducted = round6(byIndicator.get(ind.id) ?? 0);
    return { indicatorId: ind.id, label: ind.label, max: ind.max, deducted, score: round6(Math.max(0, ind.max - deducted)), floored: deducted > ind.max };
  });
  return { total: round6(out.reduce((s, i) => s + i.score, 0)), indicators: out };
}

export interface ComponentScore {
  key: string;
  label: string;
  type: Component['type'];
  weight: number;
  /** The component's own value (0–100, or points for deduction and bonus), null when missing or unusable. */
  value: number | null;
  /** weight × value (bonus and deduction: the value itself), null when value is. */
  contribution: number | null;
  source: 'ballot' | 'entered' | 'catalogue' | 'none';
  /** How the value was obtained, in Chinese, for the ranking sheet. */
  detail: string;
  ballot?: BallotScore;
  indicators?: IndicatorScore[];
  flags: Flag[];
}

export interface UnitScore {
  /** Rounded to 6 decimals so that equal scores compare equal; null while any component is missing. */
  total: number | null;
  complete: boolean;
  components: ComponentScore[];
  flags: Flag[];
}

export interface UnitInputs {
  /** Entered inputs, by input key (see inputsOf). */
  entered: Readonly<Record<string, number | string>>;
  deductions: readonly DeductionEntry[];
  /** Ballot components fed by a linked meeting, by component key. */
  ballots: Readonly<Record<string, BallotScore>>;
}

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

const fmt = (x: number) => String(Number(x.toFixed(2)));

/** Scores a unit: Σ weight × component value, plus the bonus (seed 002) or the catalogue points (seed 001). */
export function scoreUnit(components: readonly Component[], indicators: readonly Indicator[] | null, inputs: UnitInputs): UnitScore {
  const out: ComponentScore[] = [];
  for (const c of components) {
    const base = { key: c.key, label: c.label, type: c.type, weight: c.weight };
    const flags: Flag[] = [];
    let value: number | null = null;
    let source: ComponentScore['source'] = 'none';
    let detail = '未录入';
    let extra: Partial<ComponentScore> = {};
    switch (c.type) {
      case 'ballot': {
        const b = inputs.ballots[c.key];
        const manual = inputs.entered[c.key];
        if (b) {
          extra = { ballot: b };
          flags.push(...b.flags);
          source = 'ballot';
          if (b.value === null) {
            detail = `关联会议“${b.meetingTitle}”尚无有效评分`;
            flags.push({ code: 'BALLOT_NO_SCORE', message: '关联会议尚无可计分的测评结果' });
          } else if (!b.usable) {
            detail = `关联会议“${b.meetingTitle}”得分 ${fmt(b.value)}（未计入：${b.flags.map((f) => f.message).join('；')}）`;
          } else {
            value = b.value;
            detail = `关联会议“${b.meetingTitle}”：${b.items} 个测评项目加权平均分的平均值 ${fmt(b.value)}`;
          }
          if (typeof manual === 'number') flags.push({ code: 'MANUAL_IGNORED', message: '已关联测评会议，手工录入的分数不计入' });
        } else if (typeof manual === 'number') {
          value = manual;
          source = 'entered';
          detail = `手工录入 ${fmt(manual)}`;
        }
        break;
      }
      case 'entered': {
        const v = inputs.entered[c.key];
        if (typeof v === 'number') {
          value = v;
          source = 'entered';
          detail = `录入 ${fmt(v)}`;
        }
        break;
      }
      case 'award': {
        const v = inputs.entered[c.key];
        const level = c.levels.find((l) => l.value === v);
        if (level) {
          value = level.points;
          source = 'entered';
          detail = `${level.label} = ${level.points} 分`;
        }
        break;
      }
      case 'mean': {
        if (c.itemsPerPart !== undefined) {
          // Every scored item counts once (seed 002_ef31b3aa8f1f181a.txt: "对每项基础工作和重点工作进行评分(100 分制),取
          // 平均得分计入总分"): 3 基础工作 items and 1 重点工作 item weigh 3 : 1, not 1 : 1.
          const parts = c.parts.map((p) => {
            const items: number[] = [];
            for (let n = 1; n <= c.itemsPerPart!; n++) {
              const v = inputs.entered[`${c.key}.${p.key}.${n}`];
              if (typeof v === 'number') items.push(v);
            }
            const whole = inputs.entered[`${c.key}.${p.key}`];
            return { p, items: items.length > 0 ? items : typeof whole === 'number' ? [whole] : [], asOne: items.length === 0 && typeof whole === 'number' };
          });
          const missing = parts.filter((x) => x.items.length === 0);
          if (missing.length === 0) {
            const all = parts.flatMap((x) => x.items);
            value = round6(all.reduce((a, b) => a + b, 0) / all.length);
            source = 'entered';
            detail = `${parts.map((x) => `${x.p.label} ${x.items.length} 项`).join('、')}，共 ${all.length} 项的平均分 = ${fmt(value)}`;
            const asOne = parts.filter((x) => x.asOne);
            if (asOne.length > 0) flags.push({ code: 'PART_AS_ONE_ITEM', message: `${asOne.map((x) => x.p.label).join('、')}未逐项录入，按一项计入平均分` });
          } else if (missing.length < parts.length) {
            detail = `缺少：${missing.map((x) => x.p.label).join('、')}`;
          }
          break;
        }
        const parts = c.parts.map((p) => ({ p, v: inputs.entered[`${c.key}.${p.key}`] }));
        const missing = parts.filter((x) => typeof x.v !== 'number');
        if (missing.length === 0) {
          const nums = parts.map((x) => x.v as number);
          value = round6(nums.reduce((a, b) => a + b, 0) / nums.length);
          source = 'entered';
          detail = `(${parts.map((x) => `${x.p.label} ${fmt(x.v as number)}`).join(' + ')}) ÷ ${parts.length} = ${fmt(value)}`;
        } else if (missing.length < parts.length) {
          detail = `缺少：${missing.map((x) => x.p.label).join('、')}`;
        }
        break;
      }
      case 'deduction': {
        if (indicators === null) {
          // Seed 001_98ca728807ffae1b.txt 第八条: "按照县(区)、市直单位、市管学校、市管国有企业、市级公立医院5个领域,分别制定……
          // 年度考核指标体系". A domain without its own catalogue is not scored on another domain's.
          detail = '本领域尚无扣分指标目录：考核办法要求各领域分别制定考核指标体系，所附目录不适用于本领域，指标考核得分暂不能计算';
          flags.push({ code: 'CATALOGUE_MISSING', message: '本领域尚无扣分指标目录，指标考核得分暂不能计算' });
          break;
        }
        const s = scoreIndicators(indicators, inputs.deductions);
        value = s.total;
        source = 'catalogue';
        const max = indicators.reduce((a, i) => a + i.max, 0);
        detail = `指标满分 ${fmt(max)}，扣 ${fmt(round6(max - s.total))} 分（单项扣完为止），得 ${fmt(s.total)}`;
        extra = { indicators: s.indicators };
        if (s.indicators.some((i) => i.floored)) flags.push({ code: 'INDICATOR_FLOORED', message: '有指标扣分超过该项分值，按该项扣完为止计' });
        break;
      }
      case 'bonus': {
        const v = inputs.entered[c.key];
        const items = typeof v === 'number' ? v : 0;
        const raw = items * c.pointsPerItem;
        value = Math.min(c.cap, raw);
        source = typeof v === 'number' ? 'entered' : 'none';
        detail = `${items} 项 × ${c.pointsPerItem} 分${raw > c.cap ? `，封顶 ${c.cap} 分` : ''} = ${fmt(value)}`;
        if (raw > c.cap) flags.push({ code: 'BONUS_CAPPED', message: `加分 ${fmt(raw)} 超过上限，按 ${c.cap} 分计` });
        break;
      }
    }
    const contribution = value === null ? null : c.type === 'bonus' || c.type === 'deduction' ? round6(value * (c.type === 'deduction' ? c.weight : 1)) : round6(c.weight * value);
    out.push({ ...base, value, contribution, source, detail, flags, ...extra });
  }
  const missing = out.filter((c) => c.contribution === null);
  const flags: Flag[] = [];
  if (missing.length > 0) flags.push({ code: 'SCORE_INCOMPLETE', message: `得分不完整：${missing.map((c) => c.label).join('、')}` });
  const total = missing.length === 0 ? round6(out.reduce((s, c) => s + (c.contribution ?? 0), 0)) : null;
  return { total, complete: total !== null, components: out, flags };
}
