// GET /api/meta: the console's words come from the server's rules, for any signed-in user, and never name a seed file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MINIMUMS } from '../../src/domain/turnout.js';
import { makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t?.close());

describe('GET /api/meta', () => {
  it('asks for a session', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/meta' });
    expect(res.statusCode).toBe(401);
  });

  it('gives every meeting kind its label, default minimum and rule, as the domain states them', async () => {
    const { status, body } = await t.api('GET', '/api/meta');
    expect(status).toBe(200);
    const village = body.meetingKinds.find((k: any) => k.kind === 'village');
    // 003_43142c8fa1f20547.txt: 村不少于70人; 原则上村（社区）接触人数不得少于30人
    expect(village).toMatchObject({ label: '村', minimum: DEFAULT_MINIMUMS.village, needsStaffCount: false, interviewMinimum: 30 });
    expect(village.minimumRule).toContain('70');
    expect(body.meetingKinds.find((k: any) => k.kind === 'community').interviewRule).toContain('30');
    // A community's page speaks of the community (003_43142c8fa1f20547.txt: 村（社区）接触人数不得少于30人), not of a village.
    expect(body.meetingKinds.find((k: any) => k.kind === 'community').interviewRule).toBe('社区个别谈话原则上不少于30人（003）');
    expect(body.meetingKinds.find((k: any) => k.kind === 'township-dept')).toMatchObject({ minimum: null, needsStaffCount: true });
    expect(body.meetingKinds.find((k: any) => k.kind === 'other')).toMatchObject({ minimum: null, needsOwnMinimum: true });
    // Seeds are named by number on screen, never by file name.
    expect(JSON.stringify(body)).not.toMatch(/_[0-9a-f]{16}\.txt/);
    // The suggested forms exist in forms/.
    const { body: forms } = await t.api('GET', '/api/forms');
    for (const k of body.meetingKinds) for (const id of k.suggestedFormIds) expect(forms.map((f: any) => f.id)).toContain(id);
    expect(village.suggestedFormIds).toContain('village-annual-review');
    expect(body.meetingStatuses).toEqual({ draft: '未开始', open: '进行中', closed: '已结束' });
    expect(body.categoryPresets[0].categories.reduce((a: number, c: any) => a + c.weight, 0)).toBeCloseTo(1);
  });

  it('has a Chinese label for every action the audit log holds after a meeting is run', async () => {
    const m = (await t.api('POST', '/api/meetings', villageMeeting())).body;
    await t.api('PUT', `/api/meetings/${m.id}/attendance`, { signedIn: 80 });
    await t.api('PATCH', `/api/meetings/${m.id}`, { title: '改正后的标题' });
    const gone = (await t.api('POST', '/api/meetings', villageMeeting())).body;
    await t.api('DELETE', `/api/meetings/${gone.id}`);
    await t.api('POST', `/api/meetings/${m.id}/slips`, { count: 2 });
    await t.api('POST', `/api/meetings/${m.id}/open`, {});
    await t.api('PATCH', `/api/meetings/${m.id}/subjects/${m.subjects[2].id}`, { name: '张建华', reason: '名单错字' });
    await t.api('POST', `/api/meetings/${m.id}/slips/void`, { serials: [1], reason: '遗失' });
    await t.api('POST', `/api/meetings/${m.id}/close`, {});
    await t.api('POST', `/api/meetings/${m.id}/open`, { reason: '补投' });
    await t.api('PUT', `/api/meetings/${m.id}/minimum`, { minRespondents: 60, reason: '部分村民外出务工' });
    await t.api('POST', '/api/users', { username: 'kaohe2', password: 'a-long-assessor-password', role: 'assessor' });
    const { body: meta } = await t.api('GET', '/api/meta');
    const { body: log } = await t.api('GET', '/api/audit');
    const actions: string[] = [...new Set<string>(log.entries.map((e: any) => e.action as string))];
    expect(actions).toEqual(expect.arrayContaining(['meeting.create', 'meeting.attendance', 'slips.issue', 'meeting.open', 'slips.void', 'meeting.close', 'meeting.reopen', 'meeting.minimum', 'user.create', 'meeting.update', 'meeting.delete', 'meeting.subject.correct']));
    for (const a of actions) expect(meta.auditActions[a], a).toMatch(/[\u4e00-\u9fff]/);
  });
});
