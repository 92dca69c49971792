// 全部签到人员已投票: how the team knows the room is done while the live counts are coarsened. One exact boolean,
// never a count: false until the exact ballots cast equal the sign-in count, while ballotsCast stays rounded down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  // One sample per hour: the test takes a fresh sample explicitly (setTiming clears the samples).
  t.app.turnoutLive.setTiming({ tickMs: 3_600_000 });
});
afterAll(async () => t.close());

const turnout = async (id: string) => {
  t.app.turnoutLive.setTiming({});
  return (await t.api('GET', `/api/meetings/${id}/turnout`)).body;
};

async function vote(token: string) {
  const form = (await t.api('GET', `/api/ballot/${token}`)).body;
  expect((await t.api('POST', `/api/ballot/${token}`, { answers: fullBallot(form) })).status).toBe(201);
}

describe('allSignedInVoted', () => {
  it('flips once the exact ballots equal the sign-in count, and the counts stay coarsened', async () => {
    const m = (await t.api('POST', '/api/meetings', villageMeeting({ minRespondents: 3, minReason: '小规模试点' }))).body;
    const tokens = (await t.api('POST', `/api/meetings/${m.id}/slips`, { count: 8 })).body.tokens as string[];
    await t.api('PUT', `/api/meetings/${m.id}/attendance`, { signedIn: 7 });
    expect((await turnout(m.id)).allSignedInVoted).toBe(false);
    await t.api('POST', `/api/meetings/${m.id}/open`);
    for (const tok of tokens.slice(0, 6)) await vote(tok);
    const six = await turnout(m.id);
    expect(six).toMatchObject({ coarsened: true, ballotsCast: 5, allSignedInVoted: false });
    await vote(tokens[6]!);
    const seven = await turnout(m.id);
    // The room is done; the count shown is still "at least 5", not 7.
    expect(seven).toMatchObject({ coarsened: true, ballotsCast: 5, allSignedInVoted: true });
    expect(JSON.stringify(seven.flags)).not.toContain('7');
    // One more ballot than people signed in is not "done": it is the red flag.
    await vote(tokens[7]!);
    const eight = await turnout(m.id);
    expect(eight.allSignedInVoted).toBe(false);
    expect(eight.flags.map((f: any) => f.code)).toContain('BALLOTS_EXCEED_SIGNED_IN');
  });

  it('is false without a sign-in count, and exact after the close', async () => {
    const m = (await t.api('POST', '/api/meetings', villageMeeting({ minRespondents: 1, minReason: '小规模试点' }))).body;
    const [tok] = (await t.api('POST', `/api/meetings/${m.id}/slips`, { count: 1 })).body.tokens as string[];
    await t.api('POST', `/api/meetings/${m.id}/open`);
    await vote(tok!);
    expect((await turnout(m.id)).allSignedInVoted).toBe(false);
    await t.api('PUT', `/api/meetings/${m.id}/attendance`, { signedIn: 1 });
    await t.api('POST', `/api/meetings/${m.id}/close`);
    expect(await turnout(m.id)).toMatchObject({ coarsened: false, ballotsCast: 1, allSignedInVoted: true });
  });
});
