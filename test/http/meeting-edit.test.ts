// Correcting a meeting: a draft is edited or deleted whole; once slips are issued what they carry stays; once the
// poll opens only a subject's spelling may be fixed, with a written reason, and no ballot's answer moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

const create = async (overrides: Record<string, unknown> = {}) => (await t.api('POST', '/api/meetings', villageMeeting(overrides))).body;
const issue = async (id: string, count = 2) => (await t.api('POST', `/api/meetings/${id}/slips`, { count })).body.tokens as string[];
const audit = async (id: string) => (await t.api('GET', `/api/audit?meetingId=${id}`)).body.entries as Array<{ action: string; detail: any }>;

describe('PATCH /api/meetings/:id on a draft', () => {
  it('changes title, unit, kind, forms, subjects, categories, staff count and minimum, audited', async () => {
    const m = await create();
    const keep = m.subjects.slice(0, 3).map((s: any) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title, isHead: s.isHead }));
    keep[2].name = '张建华';
    const res = await t.api('PATCH', `/api/meetings/${m.id}`, {
      title: '2026年度大坪村考察',
      unit: '插旗镇大坪村',
      kind: 'community',
      formIds: ['village-annual-review'],
      subjects: [...keep, { name: '孙红', kind: 'person', title: '组织委员' }],
      categories: [
        { key: 'cadre', label: '村干部', weight: 0.4 },
        { key: 'member', label: '党员群众', weight: 0.6 },
      ],
      staffCount: 12,
      minRespondents: 45,
      minReason: '部分党员外出务工',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ title: '2026年度大坪村考察', unit: '插旗镇大坪村', kind: 'community', formIds: ['village-annual-review'], staffCount: 12, minRespondents: 45 });
    expect(res.body.subjects.map((s: any) => s.name)).toEqual(['插旗村党总支', '插旗村“两委”班子', '张建华', '孙红']);
    // An edited subject keeps its id; a removed one is gone.
    expect(res.body.subjects[2].id).toBe(m.subjects[2].id);
    expect(res.body.categories.map((c: any) => c.key)).toEqual(['cadre', 'member']);
    const entry = (await audit(m.id)).find((e) => e.action === 'meeting.update');
    expect(entry?.detail).toMatchObject({ title: { from: m.title, to: '2026年度大坪村考察' }, kind: { from: 'village', to: 'community' }, subjects: { from: 9, to: 4 } });
    // Back to the kind's rule.
    const back = await t.api('PATCH', `/api/meetings/${m.id}`, { minRespondents: null });
    expect(back.body.minRespondents).toBe(40);
    expect(back.body.minOverrideReason).toBeNull();
  });

  it('applies the creation rules, in Chinese', async () => {
    const m = await create();
    const weights = await t.api('PATCH', `/api/meetings/${m.id}`, { categories: [{ key: 'a', label: '甲', weight: 0.5 }] });
    expect(weights.status).toBe(422);
    expect(weights.body.error.message).toContain('各类别权重之和须为 1');
    const noReason = await t.api('PATCH', `/api/meetings/${m.id}`, { minRespondents: 50 });
    expect(noReason.body.error).toMatchObject({ code: 'INVALID_MEETING', message: expect.stringContaining('须写明理由') });
    const other = await t.api('PATCH', `/api/meetings/${m.id}`, { kind: 'other' });
    expect(other.status).toBe(422);
    expect(other.body.error.message).toContain('须由管理员设定最低参评人数');
    const stranger = await t.api('PATCH', `/api/meetings/${m.id}`, { subjects: [{ id: 'nope', name: '某人', kind: 'person' }] });
    expect(stranger.body.error.message).toContain('不属于该会议');
    const empty = await t.api('PATCH', `/api/meetings/${m.id}`, {});
    expect(empty.status).toBe(400);
    expect((await t.api('GET', `/api/meetings/${m.id}`)).body.title).toBe(m.title);
  });

  it('once slips are issued keeps forms, subjects and categories, but fixes a name', async () => {
    const m = await create();
    await issue(m.id);
    const forms = await t.api('PATCH', `/api/meetings/${m.id}`, { formIds: ['village-annual-review'] });
    expect(forms.status).toBe(409);
    expect(forms.body.error).toMatchObject({ code: 'SLIPS_ISSUED', message: expect.stringContaining('已经生成测评票') });
    const same = m.subjects.map((s: any) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title, isHead: s.isHead }));
    const fewer = await t.api('PATCH', `/api/meetings/${m.id}`, { subjects: same.slice(0, 5) });
    expect(fewer.body.error.code).toBe('SLIPS_ISSUED');
    const more = await t.api('PATCH', `/api/meetings/${m.id}`, { subjects: [...same, { name: '新人', kind: 'person' }] });
    expect(more.body.error.code).toBe('SLIPS_ISSUED');
    const cats = await t.api('PATCH', `/api/meetings/${m.id}`, { categories: [{ key: 'all', label: '全体', weight: 1 }] });
    expect(cats.body.error.code).toBe('SLIPS_ISSUED');
    same[4].name = '王志刚';
    const renamed = await t.api('PATCH', `/api/meetings/${m.id}`, { subjects: same, title: '改过的标题' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.subjects[4].name).toBe('王志刚');
  });

  it('is refused once the poll has opened', async () => {
    const m = await create();
    await t.api('POST', `/api/meetings/${m.id}/open`);
    const res = await t.api('PATCH', `/api/meetings/${m.id}`, { title: '新标题' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'MEETING_NOT_DRAFT', message: expect.stringContaining('不能再修改') });
  });

  it('is refused to an assessor not assigned to the meeting', async () => {
    await t.api('POST', '/api/users', { username: 'qian', password: 'qian-first-password-77', role: 'assessor' });
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'qian', password: 'qian-first-password-77' } });
    const m = await create();
    const res = await t.app.inject({ method: 'PATCH', url: `/api/meetings/${m.id}`, payload: { title: 'x' }, headers: { authorization: `Bearer ${login.json().token}` } });
    // Another assessor's meeting is not theirs to see (404, as for reading it), and stays as it was.
    expect(res.statusCode).toBe(404);
    expect((await t.api('GET', `/api/meetings/${m.id}`)).body.title).toBe(m.title);
  });
});

describe('DELETE /api/meetings/:id', () => {
  it('deletes a draft without slips, audited', async () => {
    const m = await create();
    const res = await t.api('DELETE', `/api/meetings/${m.id}`);
    expect(res.status).toBe(200);
    expect(res.body.message).toContain('已删除');
    expect((await t.api('GET', `/api/meetings/${m.id}`)).status).toBe(404);
    expect((await audit(m.id)).map((e) => e.action)).toContain('meeting.delete');
  });

  it('refuses a draft with slips, and an opened meeting', async () => {
    const withSlips = await create();
    await issue(withSlips.id, 1);
    const a = await t.api('DELETE', `/api/meetings/${withSlips.id}`);
    expect(a.status).toBe(409);
    expect(a.body.error).toMatchObject({ code: 'SLIPS_ISSUED', message: expect.stringContaining('不能再删除会议') });
    const opened = await create();
    await t.api('POST', `/api/meetings/${opened.id}/open`);
    const b = await t.api('DELETE', `/api/meetings/${opened.id}`);
    expect(b.body.error.code).toBe('MEETING_NOT_DRAFT');
    expect((await t.api('GET', `/api/meetings/${opened.id}`)).status).toBe(200);
  });
});

describe('PATCH /api/meetings/:id/subjects/:subjectId', () => {
  it('fixes a spelling freely in a draft', async () => {
    const m = await create();
    const res = await t.api('PATCH', `/api/meetings/${m.id}/subjects/${m.subjects[3].id}`, { name: '李秀莹' });
    expect(res.status).toBe(200);
    expect(res.body.subjects[3].name).toBe('李秀莹');
  });

  it('after opening needs a reason, keeps every answer and records old and new text', async () => {
    const m = await create();
    const [token] = await issue(m.id, 1);
    await t.api('POST', `/api/meetings/${m.id}/open`);
    const form = (await t.api('GET', `/api/ballot/${token}`)).body;
    const answers = fullBallot(form);
    expect((await t.api('POST', `/api/ballot/${token}`, { answers })).status).toBe(201);

    const subject = m.subjects[4];
    const bare = await t.api('PATCH', `/api/meetings/${m.id}/subjects/${subject.id}`, { name: '王志刚' });
    expect(bare.status).toBe(422);
    expect(bare.body.error).toMatchObject({ code: 'REASON_REQUIRED', message: expect.stringContaining('须写明理由') });
    const ok = await t.api('PATCH', `/api/meetings/${m.id}/subjects/${subject.id}`, { name: '王志刚', title: '村委会副主任（兼）', reason: '名单录入错字' });
    expect(ok.status).toBe(200);
    expect(ok.body.subjects[4]).toMatchObject({ id: subject.id, name: '王志刚', title: '村委会副主任（兼）', kind: 'person' });
    expect(ok.body.subjects.map((s: any) => s.id)).toEqual(m.subjects.map((s: any) => s.id));
    const entry = (await audit(m.id)).find((e) => e.action === 'meeting.subject.correct');
    expect(entry?.detail).toMatchObject({ from: { name: '王志强' }, to: { name: '王志刚' }, reason: '名单录入错字', status: 'open' });

    await t.api('POST', `/api/meetings/${m.id}/close`);
    const results = (await t.api('GET', `/api/meetings/${m.id}/results`)).body;
    expect(JSON.stringify(results)).toContain('王志刚');
    expect(JSON.stringify(results)).not.toContain('王志强');
    const stored = (await t.api('GET', `/api/meetings/${m.id}/ballots.json`)).body;
    expect(JSON.stringify(stored)).toContain(subject.id);
  });

  it('refuses an unchanged text and an unknown subject, in Chinese', async () => {
    const m = await create();
    const same = await t.api('PATCH', `/api/meetings/${m.id}/subjects/${m.subjects[2].id}`, { name: m.subjects[2].name });
    expect(same.body.error).toMatchObject({ code: 'NOTHING_TO_CHANGE', message: '姓名和职务都没有变化' });
    const unknown = await t.api('PATCH', `/api/meetings/${m.id}/subjects/zzz`, { name: '某人' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('测评对象不存在');
    const kind = await t.api('PATCH', `/api/meetings/${m.id}/subjects/${m.subjects[2].id}`, { kind: 'team' });
    expect(kind.status).toBe(400);
  });
});
