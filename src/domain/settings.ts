// A meeting's scoring settings, decided when the meeting is created and kept with it, so that a later change of
// the form catalogue does not change the rules of a meeting already held. Pure.
import type { FormTemplate } from './forms.js';
import type { MinimumBasis } from './turnout.js';

export interface MeetingSettings {
  /** The minimum basis of each form, in the meeting's form order (null: none), as the forms said at creation. */
  minimumBases?: Array<MinimumBasis | null>;
  /**
   * Seed 004 "年度考核测评需严格按照优秀20%比例要求开展测评": off by default, a ballot may rate 优秀 no more than
   * floor(20% × the cadres listed), which is none for fewer than 5. On, a unit with fewer than 5 cadres may rate
   * one 优秀 (a local exception, not the seed's): the ballot says so.
   */
  smallUnitExcellentException?: boolean;
  /**
   * The meeting's own points, form id → scale id → grade value → points, replacing the template's. Only seed
   * 002_ef31b3aa8f1f181a.txt gives points ("好、较好、一般、差四个档次……对应100、80、60、40 分值", for 述职评议); the
   * other maps are local conventions, so a meeting may state its own.
   */
  pointMaps?: PointMaps;
}

export type PointMaps = Record<string, Record<string, Record<string, number>>>;

/** What is wrong with a meeting's point maps, in Chinese (empty when nothing is). */
export function pointMapProblems(forms: readonly FormTemplate[], maps: PointMaps): string[] {
  const problems: string[] = [];
  for (const [formId, scales] of Object.entries(maps)) {
    const form = forms.find((f) => f.id === formId);
    if (!form) {
      problems.push(`分值设定中的测评表“${formId}”不在本次会议中`);
      continue;
    }
    for (const [scaleId, points] of Object.entries(scales)) {
      const scale = form.scales[scaleId];
      if (!scale) {
        problems.push(`“${form.title}”没有评价等次“${scaleId}”`);
        continue;
      }
      const values = new Set(scale.grades.map((g) => g.value));
      const missing = scale.grades.filter((g) => typeof points[g.value] !== 'number');
      if (missing.length > 0) problems.push(`“${form.title}”的分值须给出每个等次：缺少${missing.map((g) => g.label).join('、')}`);
      if (Object.keys(points).some((v) => !values.has(v))) problems.push(`“${form.title}”的分值中有不在评价等次内的选项`);
      if (Object.values(points).some((n) => !Number.isFinite(n) || n < 0 || n > 100)) problems.push(`“${form.title}”的分值须在 0 至 100 之间`);
    }
  }
  return problems;
}

/** What the ballot says when the small-unit exception is on: the voter sees the rule in force. */
export const SMALL_UNIT_EXCEPTION_NOTE = '本次测评设定了小单位例外：按 20% 计不足 1 人时，可评 1 人为“优秀”（本单位规定，非上级文件要求）';

/**
 * The forms as a meeting uses them: with the small-unit exception on, each maxGradeShare rule allows at least
 * one (and says so in its message); off, the share alone decides (seed 004_9ba8455c36f7d67d.txt:
 * "年度考核测评需严格按照优秀20%比例要求开展测评"), so 1 of 4 (25 %) is refused.
 */
export function formsWithSettings(forms: readonly FormTemplate[], settings: MeetingSettings | null | undefined): FormTemplate[] {
  return forms.map((f) => withPoints(withSmallUnitException(f, settings?.smallUnitExcellentException === true), settings?.pointMaps?.[f.id]));
}

function withSmallUnitException(f: FormTemplate, on: boolean): FormTemplate {
  if (!on || !f.rules?.length) return f;
  return { ...f, rules: f.rules.map((r) => (r.type === 'maxGradeShare' ? { ...r, minAllowed: Math.max(1, r.minAllowed ?? 0), message: `${r.message}（${SMALL_UNIT_EXCEPTION_NOTE}）` } : r)) };
}

/** The meeting's points in place of the template's, the scale's label and note saying so. */
function withPoints(f: FormTemplate, maps: Record<string, Record<string, number>> | undefined): FormTemplate {
  if (!maps) return f;
  const scales = { ...f.scales };
  for (const [id, points] of Object.entries(maps)) {
    const scale = scales[id];
    if (!scale) continue;
    const grades = scale.grades.map((g) => ({ ...g, points: points[g.value] ?? g.points }));
    scales[id] = { ...scale, grades, label: `${grades.map((g) => g.label).join(' / ')}（${grades.map((g) => g.points).join(' / ')} 分）`, pointsNote: '分值由本次会议设定' };
  }
  return { ...f, scales };
}
