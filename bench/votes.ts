// Whole votes under autocannon: each connection is a phone that loads its voter's form (GET /api/ballot/:token,
// with a phone's Accept-Encoding) and then submits a complete ballot for the same slip (POST), then takes the next
// unused slip. A whole vote is a POST answered 201; its latency is from the GET's sending to the POST's answer.
import { randomBytes } from 'node:crypto';
import autocannon, { type Result } from 'autocannon';
import { nowMs, percentile, procCpuMs, procMemory, sampleRss } from './lib.js';

/** What a phone's browser sends (voter.js leaves it to the browser). */
export const PHONE_ACCEPT_ENCODING = 'br, gzip';

export interface VoteFigures {
  /** POSTs answered 201 per second: whole votes. */
  perSecond: number;
  votes: number;
  /** The pair's latency (GET sent until the POST's answer), ms. */
  p50: number;
  p99: number;
  max: number;
  /** The GET's and the POST's own p99 (ms). */
  getP99: number;
  postP99: number;
  errors: number;
  timeouts: number;
  /** Responses other than a GET's 200 or a POST's 201. */
  failed: number;
  /** GETs answered 200 by content-encoding, and the bytes of the last one sent. */
  encodings: Record<string, number>;
  formBytesOnWire: number;
  durationS: number;
  poolExhausted: boolean;
  tokensUsed: number;
  /** CPU time of the server process per whole vote (µs). */
  cpuPerVoteUs: number;
  rssUnderLoad: number;
  hwm: number;
}

export interface VoteOptions {
  url: string;
  pid: number;
  tokens: readonly string[];
  /** Ballot answers, already serialised; votes rotate through them. */
  answers: readonly string[];
  connections: number;
  durationS: number;
}

type Ctx = { token?: string; t0?: number; postT0?: number };

export async function wholeVotes(opts: VoteOptions): Promise<VoteFigures> {
  let next = 0;
  let poolExhausted = false;
  let stop: () => void = () => undefined;
  const pairs: number[] = [];
  const gets: number[] = [];
  const posts: number[] = [];
  const encodings: Record<string, number> = {};
  let formBytesOnWire = 0;
  let failed = 0;
  const rss = sampleRss(opts.pid);
  const cpu0 = procCpuMs(opts.pid);
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    timeout: 10,
    requests: [
      {
        method: 'GET',
        headers: { accept: 'application/json', 'accept-encoding': PHONE_ACCEPT_ENCODING },
        // Called just before the request is written (autocannon builds a connection's next request on the previous answer).
        setupRequest: (req, context) => {
          const ctx = context as Ctx;
          if (next >= opts.tokens.length) {
            if (!poolExhausted) setImmediate(() => stop());
            poolExhausted = true;
            next = 0; // re-used slips answer 409 and count as failed: never reported as votes
          }
          ctx.token = opts.tokens[next++]!;
          ctx.t0 = nowMs();
          return { ...req, path: `/api/ballot/${ctx.token}` };
        },
        onResponse: (status, _body, context, headers) => {
          const ctx = context as Ctx;
          const now = nowMs();
          gets.push(now - ctx.t0!);
          if (status !== 200) {
            failed++;
            return;
          }
          const enc = String(headers['content-encoding'] ?? 'identity');
          encodings[enc] = (encodings[enc] ?? 0) + 1;
          formBytesOnWire = Number(headers['content-length'] ?? NaN);
        },
      },
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        setupRequest: (req, context) => {
          const ctx = context as Ctx;
          const answers = opts.answers[next % opts.answers.length]!;
          ctx.postT0 = nowMs();
          return { ...req, path: `/api/ballot/${ctx.token}`, body: `{"answers":${answers},"nonce":"${randomBytes(16).toString('base64url')}"}` };
        },
        onResponse: (status, _body, context) => {
          const ctx = context as Ctx;
          const now = nowMs();
          posts.push(now - ctx.postT0!);
          if (status !== 201) {
            failed++;
            return;
          }
          pairs.push(now - ctx.t0!);
        },
      },
    ],
  });
  stop = () => instance.stop();
  const r: Result = await instance;
  const rssUnderLoad = rss.stop();
  const cpuMs = procCpuMs(opts.pid) - cpu0;
  for (const list of [pairs, gets, posts]) list.sort((a, b) => a - b);
  return {
    perSecond: pairs.length / r.duration,
    votes: pairs.length,
    p50: percentile(pairs, 50),
    p99: percentile(pairs, 99),
    max: pairs.at(-1) ?? NaN,
    getP99: percentile(gets, 99),
    postP99: percentile(posts, 99),
    errors: r.errors,
    timeouts: r.timeouts,
    failed,
    encodings,
    formBytesOnWire,
    durationS: r.duration,
    poolExhausted,
    tokensUsed: poolExhausted ? opts.tokens.length : next,
    cpuPerVoteUs: pairs.length > 0 ? (cpuMs * 1000) / pairs.length : NaN,
    rssUnderLoad,
    hwm: procMemory(opts.pid).hwm,
  };
}
