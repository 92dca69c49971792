// All SQL of assessment rounds. Functions take `{ db }` (the database or a transaction).
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Conn } from '../db/client.js';
import { assessmentCadres, assessmentDecisions, assessmentDeductions, assessmentInputs, assessmentLinks, assessmentRounds, assessmentUnits } from '../db/schema.js';

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

export function insertRound({ db }: { db: Conn }, row: typeof assessmentRounds.$inferInsert): void {
  db.insert(assessmentRounds).values(row).run();
}

export function listRounds({ db }: { db: Conn }): RoundRow[] {
  return db.select().from(assessmentRounds).orderBy(asc(assessmentRounds.createdAt)).all();
}

export function findRound({ db }: { db: Conn }, id: string): RoundRecord | undefined {
  const round = db.select().from(assessmentRounds).where(eq(assessmentRounds.id, id)).get();
  if (!round) return undefined;
  const units = db.select().from(assessmentUnits).where(eq(assessmentUnits.roundId, id)).orderBy(asc(assessmentUnits.position)).all();
  const ids = units.map((u) => u.id);
  const none = ids.length === 0;
  return {
    round,
    units,
    inputs: none ? [] : db.select().from(assessmentInputs).where(inArray(assessmentInputs.unitId, ids)).all(),
    deductions: none ? [] : db.select().from(assessmentDeductions).where(inArray(assessmentDeductions.unitId, ids)).orderBy(asc(assessmentDeductions.enteredAt)).all(),
    links: none ? [] : db.select().from(assessmentLinks).where(inArray(assessmentLinks.unitId, ids)).all(),
    cadres: none ? [] : db.select().from(assessmentCadres).where(inArray(assessmentCadres.unitId, ids)).orderBy(asc(assessmentCadres.position)).all(),
    decisions: db.select().from(assessmentDecisions).where(eq(assessmentDecisions.roundId, id)).all(),
  };
}

export function insertUnits({ db }: { db: Conn }, rows: Array<typeof assessmentUnits.$inferInsert>): void {
  if (rows.length > 0) db.insert(assessmentUnits).values(rows).run();
}

export function updateUnitFacts({ db }: { db: Conn }, unitId: string, facts: Record<string, unknown>): void {
  db.update(assessmentUnits).set({ facts }).where(eq(assessmentUnits.id, unitId)).run();
}

/** Points a unit of a cadre round at a unit of a 党建工作成效考核 round (seed 001 第十七条), or clears the link. */
export function updatePartyBuildingLink({ db }: { db: Conn }, unitId: string, partyBuildingUnitId: string | null): void {
  db.update(assessmentUnits).set({ partyBuildingUnitId }).where(eq(assessmentUnits.id, unitId)).run();
}

/** A unit of any round, by id. */
export function findUnit({ db }: { db: Conn }, id: string): UnitRow | undefined {
  return db.select().from(assessmentUnits).where(eq(assessmentUnits.id, id)).get();
}

/** Units of any rounds, by id. */
export function findUnits({ db }: { db: Conn }, ids: readonly string[]): UnitRow[] {
  return ids.length === 0 ? [] : db.select().from(assessmentUnits).where(inArray(assessmentUnits.id, [...ids])).all();
}

export function upsertInput({ db }: { db: Conn }, row: typeof assessmentInputs.$inferInsert): void {
  db.insert(assessmentInputs)
    .values(row)
    .onConflictDoUpdate({ target: [assessmentInputs.unitId, assessmentInputs.input], set: { value: row.value, note: row.note, evidence: row.evidence, enteredBy: row.enteredBy, enteredAt: row.enteredAt } })
    .run();
}

export function insertDeduction({ db }: { db: Conn }, row: typeof assessmentDeductions.$inferInsert): void {
  db.insert(assessmentDeductions).values(row).run();
}

export function deleteDeduction({ db }: { db: Conn }, unitId: string, id: string): DeductionRow | undefined {
  const row = db.select().from(assessmentDeductions).where(and(eq(assessmentDeductions.id, id), eq(assessmentDeductions.unitId, unitId))).get();
  if (row) db.delete(assessmentDeductions).where(eq(assessmentDeductions.id, id)).run();
  return row;
}

export function upsertLink({ db }: { db: Conn }, row: typeof assessmentLinks.$inferInsert): void {
  db.insert(assessmentLinks)
    .values(row)
    .onConflictDoUpdate({ target: [assessmentLinks.unitId, assessmentLinks.component], set: { meetingId: row.meetingId, formId: row.formId, subjectId: row.subjectId ?? null } })
    .run();
}

export function insertCadres({ db }: { db: Conn }, rows: Array<typeof assessmentCadres.$inferInsert>): void {
  if (rows.length > 0) db.insert(assessmentCadres).values(rows).run();
}

export function updateCadre({ db }: { db: Conn }, id: string, patch: Partial<typeof assessmentCadres.$inferInsert>): void {
  db.update(assessmentCadres).set(patch).where(eq(assessmentCadres.id, id)).run();
}

export function upsertDecision({ db }: { db: Conn }, row: typeof assessmentDecisions.$inferInsert): void {
  db.insert(assessmentDecisions)
    .values(row)
    .onConflictDoUpdate({
      target: assessmentDecisions.targetId,
      set: { grade: row.grade, suggested: row.suggested ?? null, reason: row.reason ?? null, decidedBy: row.decidedBy, decidedAt: row.decidedAt },
    })
    .run();
}

export function deleteLink({ db }: { db: Conn }, unitId: string, component: string): LinkRow | undefined {
  const row = db.select().from(assessmentLinks).where(and(eq(assessmentLinks.unitId, unitId), eq(assessmentLinks.component, component))).get();
  if (row) db.delete(assessmentLinks).where(and(eq(assessmentLinks.unitId, unitId), eq(assessmentLinks.component, component))).run();
  return row;
}
