// The raw ballots as the exports give them: anonymised, shuffled anew on every export, and the text answers of
// the valid ones sorted so that their order says nothing about the ballots.
import { randomInt } from 'node:crypto';
import { MIN_GROUP_SIZE } from '../domain/group-size.js';
import type { ExportData, RawBallot } from './export-data.js';
import { exportsErrors } from './exports.errors.js';

/** Fisher–Yates with a cryptographic source: each export lists the ballots in a fresh random order. */
export function shuffled<T>(items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * The anonymised ballots: answers, validity and the reasons a ballot is invalid; never an id, a time, the
 * slip or the source (phone or paper: the few paper voters are known in the hall). The respondent category is
 * given only when the tally shows the category breakdown AND every category a ballot here would be labelled with
 * holds at least MIN_GROUP_SIZE of these ballots, invalid ones included: the tally's breakdown counts valid
 * ballots only, and one invalid ballot labelled with an otherwise empty category would give its answers away
 * (docs/forms.md, "Anonymity").
 */
export function anonymisedBallots({ results: r, ballots }: Pick<ExportData, 'results' | 'ballots'>) {
  // A category under five beside another: the tally shows only weighted scores, and every ballot's answers,
  // labelled or not, would give the pooled counts back and with them that category's ratings.
  if (r.pooledWithheld) throw exportsErrors.rawBallotsWithheld(r.notes.find((n) => n.code === 'POOLED_WITHHELD')?.message ?? '有参评人员类别不足 5 人');
  const labelOf = new Map(r.byCategory.map((c) => [c.key, c.label]));
  const perCategory = new Map<string, number>();
  for (const b of ballots) if (b.category) perCategory.set(b.category, (perCategory.get(b.category) ?? 0) + 1);
  const labelled = r.breakdownShown && [...perCategory.values()].every((n) => n >= MIN_GROUP_SIZE);
  return shuffled(ballots).map((b) => ({
    category: labelled && b.category ? (labelOf.get(b.category) ?? b.category) : null,
    valid: b.valid,
    invalidReasons: b.breaches.map((x) => x.message),
    answers: b.answers,
  }));
}

/** Text answers of the valid ballots, per question, sorted (so their order says nothing about the ballots). */
export function textAnswers({ forms, ballots }: Pick<ExportData, 'forms' | 'ballots'>) {
  const out: Array<{ form: string; question: string; answers: string[] }> = [];
  for (const form of forms) {
    for (const q of form.questions) {
      if (q.type !== 'text') continue;
      const answers = ballots
        .filter((b: RawBallot) => b.valid)
        .map((b) => b.answers[form.id]?.[q.id])
        .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
        .sort((a, b) => a.localeCompare(b, 'zh-CN'));
      out.push({ form: form.title, question: q.text, answers });
    }
  }
  return out;
}
