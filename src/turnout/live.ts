// Live progress: the coarsened turnout of an open poll, and the server-sent event streams that carry it.
//
// Why coarsened (README, "Live progress"): a projector in the hall that ticks the moment someone taps 提交
// tells the room who just voted. So the counts that voters move are sampled at most once per tick of `tickMs`
// (one sample per meeting per tick, shared by every stream and every GET /turnout, so polling or reconnecting
// cannot sample faster), and published rounded down to a multiple of `step` (domain/turnout.ts, coarsenFigures).
import type { ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import { LIMITS } from '../config.js';
import { engineOf, transaction, type Db } from '../db/client.js';
import { shareLiveSample } from './live-samples.repository.js';
import { coarsenFigures, LIVE_STEP, roundDown } from '../domain/turnout.js';
import { usedSlipsByBatch } from '../ballots/index.js';
import { slipBatches } from '../slips/index.js';
import { loadMeeting } from '../meetings/index.js';
import { exactCounts, turnoutOf, turnoutView, type Turnout } from './turnout.usecases.js';

export interface LiveTiming {
  /** Length of a tick: voter-moved counts are sampled at most once per tick. */
  tickMs: number;
  /** Published counts are multiples of this. */
  step: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** A stream is ended after this long; the page asks for a new ticket, so a revoked login stops watching. */
  maxStreamMs: number;
}

export const DEFAULT_LIVE_TIMING: LiveTiming = { tickMs: LIMITS.live.tickMs, step: LIVE_STEP, heartbeatMs: LIMITS.live.heartbeatMs, maxStreamMs: LIMITS.live.maxStreamMs };

interface Sample {
  ballotsCast: number;
  ballotsValid: number;
  slipsUsed: number;
}

interface Stream {
  res: ServerResponse;
  last: string;
  ended: boolean;
  expiry: NodeJS.Timeout;
}

export class LiveHub {
  /** Each meeting's sample of its current tick: the read itself, so that requests arriving while it runs share it. */
  private readonly samples = new Map<string, { epoch: number; figures: Promise<Sample> }>();
  private readonly batchSamples = new Map<string, { epoch: number; used: Promise<Map<string, number>> }>();
  private readonly streams = new Map<string, Set<Stream>>();
  private readonly tickers = new Map<string, NodeJS.Timeout>();
  private heartbeat: NodeJS.Timeout | null = null;
  timing: LiveTiming;

  constructor(
    private readonly db: Db,
    timing: Partial<LiveTiming> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.timing = { ...DEFAULT_LIVE_TIMING, ...timing };
  }

  /** Tests shorten the tick; production keeps the defaults. */
  setTiming(timing: Partial<LiveTiming>): void {
    this.timing = { ...this.timing, ...timing };
    this.samples.clear();
    // The next sample of each meeting is taken afresh, also where the instances share it (never in production).
    this.retake = new Set();
  }

  /** After setTiming: the meetings and kinds sampled afresh since (null: never asked, as in production). */
  private retake: Set<string> | null = null;

  /**
   * The turnout as screens show it: exact once the poll is closed (or before it opens), coarsened while open.
   * Sign-in, minimum and slips issued/voided move only by the team's actions and are read fresh.
   */
  async published(meetingId: string): Promise<Turnout> {
    const read = await transaction(
      this.db,
      async (tx) => {
        const rec = await loadMeeting({ db: tx }, meetingId);
        if (rec.meeting.status !== 'open') return { open: false as const, exact: await turnoutOf({ db: tx }, rec) };
        return { open: true as const, rec, counts: await exactCounts({ db: tx }, rec) };
      },
      'read',
    );
    if (!read.open) return read.exact;
    const { rec, counts } = read;
    const epoch = Math.floor(this.now() / this.timing.tickMs);
    let s = this.samples.get(meetingId);
    // Looked up and set with nothing awaited in between: one sample per meeting and tick, however many ask at once.
    if (!s || s.epoch !== epoch) {
      const mine: Sample = { ballotsCast: counts.ballotsCast, ballotsValid: counts.ballotsValid, slipsUsed: counts.slipsUsed };
      const taken = { epoch, figures: this.shared(meetingId, 'turnout', epoch, mine) };
      taken.figures.catch(() => {
        if (this.samples.get(meetingId) === taken) this.samples.delete(meetingId);
      });
      this.samples.set(meetingId, (s = taken));
    }
    const f = await s.figures;
    const sampled = { ...counts, ballotsCast: f.ballotsCast, ballotsValid: f.ballotsValid, slipsUsed: f.slipsUsed };
    return turnoutView(rec, coarsenFigures(sampled, this.timing.step), true);
  }

  /**
   * The sample of this tick as every instance publishes it. On SQLite the one process's own (`mine`); on PostgreSQL
   * the first one written for this tick by any instance (live_samples), so that instances behind one address do not
   * let a screen sample twice in a tick by asking each in turn.
   */
  private async shared<T extends object>(meetingId: string, kind: 'turnout' | 'batches', epoch: number, mine: T): Promise<T> {
    if (!engineOf(this.db)) return mine;
    const key = `${kind}:${meetingId}`;
    const replace = this.retake !== null && !this.retake.has(key);
    this.retake?.add(key);
    return shareLiveSample({ db: this.db }, meetingId, kind, epoch, mine, replace);
  }

  /**
   * The slip batches as screens show them: issued and voided exact (the team's own actions); used per batch, while
   * the poll is open, sampled at the same tick as the turnout and rounded down to the step, so the batch table
   * cannot tell who just voted either.
   */
  async batches(meetingId: string) {
    const rec = await loadMeeting({ db: this.db }, meetingId);
    const rows = await slipBatches({ db: this.db }, meetingId);
    const open = rec.meeting.status === 'open';
    let used: Map<string, number>;
    if (!open) used = await usedSlipsByBatch({ db: this.db }, meetingId);
    else {
      const epoch = Math.floor(this.now() / this.timing.tickMs);
      let s = this.batchSamples.get(meetingId);
      // The sample is the read itself, so requests arriving while it runs share it.
      if (!s || s.epoch !== epoch) {
        const read = usedSlipsByBatch({ db: this.db }, meetingId).then(async (own) => new Map(Object.entries(await this.shared(meetingId, 'batches', epoch, Object.fromEntries(own)))));
        this.batchSamples.set(meetingId, (s = { epoch, used: read }));
      }
      s.used.catch(() => this.batchSamples.delete(meetingId));
      used = await s.used;
    }
    return {
      coarsened: open,
      batches: rows.map((b) => ({ ...b, used: open ? roundDown(used.get(b.batchId) ?? 0, this.timing.step) : (used.get(b.batchId) ?? 0) })),
    };
  }

  /** Starts an event stream on a response whose request was already authorised. */
  subscribe(meetingId: string, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies buffer responses unless told not to.
      'x-accel-buffering': 'no',
    });
    const stream: Stream = { res, last: '', ended: false, expiry: setTimeout(() => this.end(meetingId, stream, 'expired'), this.timing.maxStreamMs) };
    let set = this.streams.get(meetingId);
    if (!set) this.streams.set(meetingId, (set = new Set()));
    set.add(stream);
    res.on('close', () => this.drop(meetingId, stream));
    // A write racing a client that just went away must not become an unhandled 'error' event.
    res.on('error', () => this.drop(meetingId, stream));
    res.write(`retry: 5000\n\n`);
    void this.push(meetingId, [stream]);
    this.ensureTicker(meetingId);
    this.ensureHeartbeat();
  }

  /** Sends the current figures now (after the poll opens or closes, which the room sees anyway). */
  poke(meetingId: string): void {
    if (this.streams.get(meetingId)?.size) void this.push(meetingId);
  }

  /** Number of open streams, for tests and the shutdown log. */
  streamCount(): number {
    let n = 0;
    for (const set of this.streams.values()) n += set.size;
    return n;
  }

  /** Ends every stream with a last event, so clients know the server is going away rather than failing. */
  closeAll(): void {
    for (const [meetingId, set] of this.streams) for (const s of [...set]) this.end(meetingId, s, 'server-closing');
    for (const t of this.tickers.values()) clearTimeout(t);
    this.tickers.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** Never rejects: a failure to read ends the streams. */
  private async push(meetingId: string, only?: Stream[]): Promise<void> {
    const set = this.streams.get(meetingId);
    if (!set || set.size === 0) return;
    let data: string;
    try {
      data = JSON.stringify(await this.published(meetingId));
    } catch {
      // The meeting is gone (or the database closed): tell the clients and stop.
      for (const s of [...set]) this.end(meetingId, s, 'unavailable');
      return;
    }
    for (const s of only ?? set) {
      if (s.ended || s.last === data) continue;
      s.last = data;
      s.res.write(`event: turnout\ndata: ${data}\n\n`);
    }
  }

  /** One timer per watched meeting, firing just after each tick boundary. */
  private ensureTicker(meetingId: string): void {
    if (this.tickers.has(meetingId)) return;
    const schedule = () => {
      const tick = this.timing.tickMs;
      const delay = tick - (this.now() % tick) + 5;
      this.tickers.set(
        meetingId,
        setTimeout(() => {
          if (!this.streams.get(meetingId)?.size) {
            this.tickers.delete(meetingId);
            return;
          }
          void this.push(meetingId);
          schedule();
        }, delay),
      );
    };
    schedule();
  }

  private ensureHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      for (const set of this.streams.values()) for (const s of set) if (!s.ended) s.res.write(': ping\n\n');
    }, this.timing.heartbeatMs);
    this.heartbeat.unref();
  }

  private end(meetingId: string, s: Stream, reason: string): void {
    if (!s.ended) {
      s.ended = true;
      s.res.end(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    }
    this.drop(meetingId, s);
  }

  private drop(meetingId: string, s: Stream): void {
    s.ended = true;
    clearTimeout(s.expiry);
    const set = this.streams.get(meetingId);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) {
      this.streams.delete(meetingId);
      const t = this.tickers.get(meetingId);
      if (t) clearTimeout(t);
      this.tickers.delete(meetingId);
      // The sample stays: dropping it would let a client that reconnects draw a second sample in one tick.
    }
    if (this.streams.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    turnoutLive: LiveHub;
  }
}

/** The live hub as a named plugin; its streams end before the server closes (a preClose hook). */
export const turnoutLivePlugin = fp(
  async (app) => {
    const hub = new LiveHub(app.db);
    app.decorate('turnoutLive', hub);
    app.addHook('preClose', async () => hub.closeAll());
  },
  { name: 'ceping-turnout-live', dependencies: ['ceping-db'] },
);
