// All SQL of assessment rounds. Functions take `{ db }` (the database or a transaction).
import { and, asc, eq, inArray } from 'drizzle-orm';
import { tablesOf, first, type Conn } from '../db/client.js';
import type { assessmentCadres, assessmentDecisions, assessmentDeductions, assessmentInputs, assessmentLinks, assessmentRounds, assessmentUnits } from '../db/schema.js';

export type RoundRow = typeof assessmentRounds.$inferSelect;
export type UnitRow = typeof assessmentUnits.$inferSelect;
export type InputRow = typeof assessmentInputs.$inferSelect;
export type DeductionRow = typeof assessmentDeductions.$inferSelect;
export type LinkRow = typeof assessmentLinks.$inferSelect;
export type CadreRow = typeof assessmentCadres.$inferSelect;
export type DecisionRow = typeof assessmentDecisions.$inferSelect;

/** A round with everything entered for it. */
export interface RoundRecord {
  round: RoundRow;
  units: UnitRow[];
  inputs: InputRow[];
  deductions: DeductionRow[];
  links: LinkRow[];
  cadres: CadreRow[];
  decisions: DecisionRow[];
}

export async function insertRound({ db }: { db: Conn }, row: typeof assessmentRounds.$inferInsert): Promise<void> {
  const { assessmentRounds } = tablesOf(db);
  await db.insert(assessmentRounds).values(row);
}

export async function listRounds({ db }: { db: Conn }): Promise<RoundRow[]> {
  const { assessmentRounds } = tablesOf(db);
  return await db.select().from(assessmentRounds).orderBy(asc(assessmentRounds.createdAt));
}

export async function findRound({ db }: { db: Conn }, id: string): Promise<RoundRecord | undefined> {
  const { assessmentCadres, assessmentDecisions, assessmentDeductions, assessmentInputs, assessmentLinks, assessmentRounds, assessmentUnits } = tablesOf(db);
  const round = await first(db.select().from(assessmentRounds).where(eq(assessmentRounds.id, id)));
  if (!round) return undefined;
  const units = await db.select().from(assessmentUnits).where(eq(assessmentUnits.roundId, id)).orderBy(asc(assessmentUnits.position));
  const ids = units.map((u) => u.id);
  const none = ids.length === 0;
  return {
    round,
    units,
    inputs: none ? [] : await db.select().from(assessmentInputs).where(inArray(assessmentInputs.unitId, ids)),
    deductions: none ? [] : await db.select().from(assessmentDeductions).where(inArray(assessmentDeductions.unitId, ids)).orderBy(asc(assessmentDeductions.enteredAt)),
    links: none ? [] : await db.select().from(assessmentLinks).where(inArray(assessmentLinks.unitId, ids)),
    cadres: none ? [] : await db.select().from(assessmentCadres).where(inArray(assessmentCadres.unitId, ids)).orderBy(asc(assessmentCadres.position)),
    decisions: await db.select().from(assessmentDecisions).where(eq(assessmentDecisions.roundId, id)),
  };
}

export async function insertUnits({ db }: { db: Conn }, rows: Array<typeof assessmentUnits.$inferInsert>): Promise<void> {
  const { assessmentUnits } = tablesOf(db);
  if (rows.length > 0) await db.insert(assessmentUnits).values(rows);
}

export async function updateUnitFacts({ db }: { db: Conn }, unitId: string, facts: Record<string, unknown>): Promise<void> {
  const { assessmentUnits } = tablesOf(db);
  await db.update(assessmentUnits).set({ facts }).where(eq(assessmentUnits.id, unitId));
}

/** Points a unit of a cadre round at a unit of a 党建工作成效考核 round (seed 001 第十七条), or clears the link. */
export async function updatePartyBuildingLink({ db }: { db: Conn }, unitId: string, partyBuildingUnitId: string | null): Promise<void> {
  const { assessmentUnits } = tablesOf(db);
  await db.update(assessmentUnits).set({ partyBuildingUnitId }).where(eq(assessmentUnits.id, unitId));
}

/** A unit of any round, by id. */
export async function findUnit({ db }: { db: Conn }, id: string): Promise<UnitRow | undefined> {
  const { assessmentUnits } = tablesOf(db);
  return first(db.select().from(assessmentUnits).where(eq(assessmentUnits.id, id)));
}

/** Units of any rounds, by id. */
export async function findUnits({ db }: { db: Conn }, ids: readonly string[]): Promise<UnitRow[]> {
  const { assessmentUnits } = tablesOf(db);
  return ids.length === 0 ? [] : await db.select().from(assessmentUnits).where(inArray(assessmentUnits.id, [...ids]));
}

export async function upsertInput({ db }: { db: Conn }, row: typeof assessmentInputs.$inferInsert): Promise<void> {
  const { assessmentInputs } = tablesOf(db);
  await db.insert(assessmentInputs)
    .values(row)
    .onConflictDoUpdate({ target: [assessmentInputs.unitId, assessmentInputs.input], set: { value: row.value, note: row.note, evidence: row.evidence, enteredBy: row.enteredBy, enteredAt: row.enteredAt } });
}

export async function insertDeduction({ db }: { db: Conn }, row: typeof assessmentDeductions.$inferInsert): Promise<void> {
  const { assessmentDeductions } = tablesOf(db);
  await db.insert(assessmentDeductions).values(row);
}

export async function deleteDeduction({ db }: { db: Conn }, unitId: string, id: string): Promise<DeductionRow | undefined> {
  const { assessmentDeductions } = tablesOf(db);
  const row = await first(db.select().from(assessmentDeductions).where(and(eq(assessmentDeductions.id, id), eq(assessmentDeductions.unitId, unitId))));
  if (row) await db.delete(assessmentDeductions).where(eq(assessmentDeductions.id, id));
  return row;
}

export async function upsertLink({ db }: { db: Conn }, row: typeof assessmentLinks.$inferInsert): Promise<void> {
  const { assessmentLinks } = tablesOf(db);
  await db.insert(assessmentLinks)
    .values(row)
    .onConflictDoUpdate({ target: [assessmentLinks.unitId, assessmentLinks.component], set: { meetingId: row.meetingId, formId: row.formId, subjectId: row.subjectId ?? null } });
}

export async function insertCadres({ db }: { db: Conn }, rows: Array<typeof assessmentCadres.$inferInsert>): Promise<void> {
  const { assessmentCadres } = tablesOf(db);
  if (rows.length > 0) await db.insert(assessmentCadres).values(rows);
}

export async function updateCadre({ db }: { db: Conn }, id: string, patch: Partial<typeof assessmentCadres.$inferInsert>): Promise<void> {
  const { assessmentCadres } = tablesOf(db);
  await db.update(assessmentCadres).set(patch).where(eq(assessmentCadres.id, id));
}

export async function upsertDecision({ db }: { db: Conn }, row: typeof assessmentDecisions.$inferInsert): Promise<void> {
  const { assessmentDecisions } = tablesOf(db);
  await db.insert(assessmentDecisions)
    .values(row)
    .onConflictDoUpdate({
      target: assessmentDecisions.targetId,
      set: { grade: row.grade, suggested: row.suggested ?? null, reason: row.reason ?? null, decidedBy: row.decidedBy, decidedAt: row.decidedAt },
    });
}

export async function deleteLink({ db }: { db: Conn }, unitId: string, component: string): Promise<LinkRow | undefined> {
  const { assessmentLinks } = tablesOf(db);
  const row = await first(db.select().from(assessmentLinks).where(and(eq(assessmentLinks.unitId, unitId), eq(assessmentLinks.component, component))));
  if (row) await db.delete(assessmentLinks).where(and(eq(assessmentLinks.unitId, unitId), eq(assessmentLinks.component, component)));
  return row;
}
