// The meeting burst: the chair says "please vote now" and every voter in the hall loads the ballot and submits
// it at once. Each voter is a phone of its own: its own connection (kept alive between its GET and its POST),
// a browser's Accept-Encoding, and a nonce. No think time, so this is the worst case of a real burst.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { nowMs, percentile } from './lib.js';

export interface BurstFigures {
  voters: number;
  acknowledged: number;
  /** From the first request until the last voter has its 201. */
  allAcknowledgedMs: number;
  /** The longest time one voter waited (GET plus POST). */
  slowestVoterMs: number;
  getP50: number;
  getMax: number;
  postP50: number;
  postMax: number;
  failures: string[];
}

function call(agent: Agent, url: URL, method: 'GET' | 'POST', body?: string): Promise<{ status: number; ms: number }> {
  const t0 = nowMs();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          accept: 'application/json',
          'accept-encoding': 'gzip, deflate, br',
          ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: nowMs() - t0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function meetingBurst(opts: { url: string; tokens: readonly string[]; answers: readonly string[] }): Promise<BurstFigures> {
  const gets: number[] = [];
  const posts: number[] = [];
  const waits: number[] = [];
  const failures: string[] = [];
  let acknowledged = 0;
  let lastAck = 0;
  const start = nowMs();
  await Promise.all(
    opts.tokens.map(async (token, i) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const t0 = nowMs();
        const g = await call(agent, new URL(`/api/ballot/${token}`, opts.url), 'GET');
        gets.push(g.ms);
        if (g.status !== 200) throw new Error(`GET ${g.status}`);
        const body = `{"answers":${opts.answers[i % opts.answers.length]},"nonce":"${randomBytes(16).toString('base64url')}"}`;
        const p = await call(agent, new URL(`/api/ballot/${token}`, opts.url), 'POST', body);
        posts.push(p.ms);
        if (p.status !== 201) throw new Error(`POST ${p.status}`);
        acknowledged++;
        lastAck = nowMs();
        waits.push(lastAck - t0);
      } catch (e) {
        failures.push((e as Error).message);
      } finally {
        agent.destroy();
      }
    }),
  );
  gets.sort((a, b) => a - b);
  posts.sort((a, b) => a - b);
  return {
    voters: opts.tokens.length,
    acknowledged,
    allAcknowledgedMs: lastAck - start,
    slowestVoterMs: Math.max(0, ...waits),
    getP50: percentile(gets, 50),
    getMax: gets.at(-1) ?? NaN,
    postP50: percentile(posts, 50),
    postMax: posts.at(-1) ?? NaN,
    failures,
  };
}
