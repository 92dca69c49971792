// Closing on a real SQLite file: the close, the report and their audit entries commit together, and a report whose
// exports were never archived (the process died in between) is completed at the next start or the next read.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { listAudit } from '../../src/audit/audit.repository.js';
import { closePoll, getClosingReport } from '../../src/closing/closing.usecases.js';
import { findClosingReport } from '../../src/closing/closing.repository.js';
import { makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

const admin = { id: 'x', username: 'admin', role: 'admin' as const };
let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function openMeeting(app: TestApp): Promise<string> {
  const id = (await app.api('POST', '/api/meetings', villageMeeting())).body.id as string;
  expect((await app.api('POST', `/api/meetings/${id}/open`)).status).toBe(200);
  return id;
}

const pending = async (app: TestApp, reportId: string) => ((await findClosingReport({ db: app.app.db }, undefined, reportId))!.report as { pending?: boolean }).pending === true;

describe('closePoll', () => {
  it('closes, drafts the report and audits in one transaction, leaving the exports pending', async () => {
    t = await makeTestApp();
    const id = await openMeeting(t);
    const reportId = await closePoll({ db: t.app.db }, admin, id);
    expect(await pending(t, reportId)).toBe(true);
    expect((await listAudit({ db: t.app.db }, { meetingId: id })).map((e) => e.action)).toContain('meeting.close');
    // A second close finds the meeting closed and writes nothing.
    await expect(closePoll({ db: t!.app.db }, admin, id)).rejects.toThrow(/不在进行中/);
  });

  it('a pending report is archived by the next read', async () => {
    t = await makeTestApp();
    const id = await openMeeting(t);
    const reportId = await closePoll({ db: t.app.db }, admin, id);
    const view = await getClosingReport({ db: t.app.db, forms: t.app.forms }, id);
    expect(view.id).toBe(reportId);
    expect(view.report.exports.map((e) => e.name)).toEqual(['results.csv', 'results.xlsx', 'results.pdf', 'ballots.json', 'ballots.csv']);
    expect(view.report.exports.every((e) => e.sha256 !== null)).toBe(true);
    expect(await pending(t, reportId)).toBe(false);
    const audited = (await listAudit({ db: t.app.db }, { meetingId: id })).filter((e) => e.action === 'meeting.closing-report');
    expect(audited.map((e) => (e.detail as { reportSha256: string }).reportSha256)).toEqual([view.reportSha256]);
  });

  it('a pending report is archived when the server starts again', async () => {
    t = await makeTestApp();
    const id = await openMeeting(t);
    const reportId = await closePoll({ db: t.app.db }, admin, id);
    await t.app.close();
    const again = await buildApp(t.config);
    await again.ready();
    try {
      const row = (await findClosingReport({ db: again.db }, id, reportId))!;
      expect((row.report as { pending?: boolean }).pending).toBeUndefined();
      expect((await listAudit({ db: again.db }, { meetingId: id })).filter((e) => e.action === 'meeting.closing-report')).toHaveLength(1);
    } finally {
      await again.close();
      rmSync(t.dir, { recursive: true, force: true });
      t = null;
    }
  });
});
