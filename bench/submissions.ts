// Ballot submissions under autocannon: every request takes the next unused token from a pool and carries a
// complete village ballot with a fresh nonce, as the voter page sends it (src/web/public/voter.js).
import { randomBytes } from 'node:crypto';
import autocannon, { type Result } from 'autocannon';
import { procCpuMs, procMemory, sampleRss } from './lib.js';

export interface LoadFigures {
  /** 2xx responses per second over the run. */
  perSecond: number;
  ok: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  durationS: number;
  /** The token pool ran out before the duration; the figures cover the run until then. */
  poolExhausted: boolean;
  /** Tokens taken from the pool (sent or about to be sent when the run stopped). */
  tokensUsed: number;
  /**
   * CPU time the target process used per 2xx response (µs): a figure that the load of other processes on the
   * machine disturbs much less than requests per second do.
   */
  cpuPerOkUs: number;
  /** Peak RSS of the target process sampled during the run, and its VmHWM after it (bytes). */
  rssUnderLoad: number;
  hwm: number;
}

export interface LoadOptions {
  url: string;
  pid: number;
  tokens: readonly string[];
  /** Ballot answers, already serialised; requests rotate through them. */
  answers: readonly string[];
  connections: number;
  durationS: number;
}

export async function submitBallots(opts: LoadOptions): Promise<LoadFigures> {
  let next = 0;
  let poolExhausted = false;
  let stop: () => void = () => undefined;
  const rss = sampleRss(opts.pid);
  const cpu0 = procCpuMs(opts.pid);
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        setupRequest: (req) => {
          if (next >= opts.tokens.length) {
            if (!poolExhausted) setImmediate(() => stop());
            poolExhausted = true;
            next = 0; // re-sent tokens answer 409 and count as non-2xx: never reported as ballots
          }
          const token = opts.tokens[next++]!;
          const answers = opts.answers[next % opts.answers.length]!;
          return { ...req, path: `/api/ballot/${token}`, body: `{"answers":${answers},"nonce":"${randomBytes(16).toString('base64url')}"}` };
        },
      },
    ],
  });
  stop = () => instance.stop();
  const r: Result = await instance;
  const rssUnderLoad = rss.stop();
  const cpuMs = procCpuMs(opts.pid) - cpu0;
  return {
    perSecond: r['2xx'] / r.duration,
    ok: r['2xx'],
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    durationS: r.duration,
    poolExhausted,
    cpuPerOkUs: r['2xx'] > 0 ? (cpuMs * 1000) / r['2xx'] : NaN,
    tokensUsed: poolExhausted ? opts.tokens.length : next,
    rssUnderLoad,
    hwm: procMemory(opts.pid).hwm,
  };
}
