// The live event stream over real HTTP: the app listens on a port, a plain HTTP client reads text/event-stream.
import { request, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ADMIN, fullBallot, villageMeeting } from '../helpers/app.js';

let app: FastifyInstance;
let dir: string;
let base: string;
let token: string;
let logs = '';

const TICK = 250;

async function api(method: string, url: string, body?: unknown) {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

interface SseEvent {
  event: string;
  data: string;
}

/** A minimal text/event-stream reader on node:http: events parsed as they arrive. */
class SseClient {
  events: SseEvent[] = [];
  comments = 0;
  ended = false;
  res!: IncomingMessage;
  private buf = '';
  private waiters: Array<() => void> = [];

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        c.res = res;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => c.feed(chunk));
        res.on('end', () => {
          c.ended = true;
          c.wake();
        });
        res.on('close', () => {
          c.ended = true;
          c.wake();
        });
        resolve(c);
      });
      req.on('error', reject);
      req.end();
    });
  }

  private feed(chunk: string) {
    this.buf += chunk;
    let i: number;
    while ((i = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ event, data: data.join('\n') });
    }
    this.wake();
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first event (from index `from`) that matches, or rejects after `ms`. */
  async next(pred: (e: SseEvent) => boolean, from = 0, ms = 5000): Promise<SseEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.events.slice(from).find(pred);
      if (hit) return hit;
      if (this.ended) throw new Error(`stream ended; events: ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event in ${ms} ms; events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  turnouts() {
    return this.events.filter((e) => e.event === 'turnout').map((e) => JSON.parse(e.data));
  }

  close() {
    this.res.destroy();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ticket(meetingId: string) {
  const r = await api('POST', `/api/meetings/${meetingId}/live-ticket`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { ticket: string; streamUrl: string; expiresAt: string };
}

async function newOpenMeeting(slips: number) {
  const m = await api('POST', '/api/meetings', villageMeeting());
  expect(m.status).toBe(201);
  const s = await api('POST', `/api/meetings/${m.body.id}/slips`, { count: slips });
  expect(s.status).toBe(201);
  expect((await api('POST', `/api/meetings/${m.body.id}/open`, {})).status).toBe(200);
  const form = await api('GET', `/api/ballot/${s.body.tokens[0]}`);
  const answers = fullBallot(form.body);
  const tokens: string[] = s.body.tokens;
  const cast = async (n: number) => {
    for (const tok of tokens.splice(0, n)) expect((await api('POST', `/api/ballot/${tok}`, { answers })).status).toBe(201);
  };
  return { id: m.body.id as string, cast };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ceping-live-'));
  const config = loadConfig({ CEPING_DB: join(dir, 'db.sqlite'), CEPING_ADMIN_USER: ADMIN.username, CEPING_ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'info' });
  // Every log line is kept, to check that no ticket is ever written.
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  app = await buildApp(config, { logger: { stream: sink } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  app.turnoutLive.setTiming({ tickMs: TICK, heartbeatMs: 200 });
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  token = ((await login.json()) as { token: string }).token;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/meetings/:id/live', () => {
  it('delivers coarsened updates, exact figures on close, and frees the stream when the client disconnects', async () => {
    const m = await newOpenMeeting(12);
    const tk = await ticket(m.id);
    const sse = await SseClient.open(base + tk.streamUrl, { 'accept-encoding': 'gzip, br' });
    expect(sse.res.statusCode).toBe(200);
    expect(sse.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(sse.res.headers['content-encoding']).toBeUndefined();
    const first = JSON.parse((await sse.next((e) => e.event === 'turnout')).data);
    expect(first).toMatchObject({ status: 'open', coarsened: true, ballotsCast: 0, minRespondents: 70, slipsIssued: 12 });

    // One ballot: a few ticks later the published count has not moved (no event carries it).
    await m.cast(1);
    await sleep(TICK * 3);
    expect(sse.turnouts().every((t) => t.ballotsCast === 0)).toBe(true);

    // Five ballots: the count moves, by a whole step, at a tick.
    await m.cast(4);
    const five = JSON.parse((await sse.next((e) => e.event === 'turnout' && JSON.parse(e.data).ballotsCast === 5)).data);
    expect(five).toMatchObject({ coarsened: true, slipsUsed: 5, meetsMinimum: false });
    expect(sse.turnouts().map((t) => t.ballotsCast)).toEqual([0, 5]);

    // Closing pushes the exact figures at once.
    await m.cast(2);
    const n = sse.events.length;
    expect((await api('POST', `/api/meetings/${m.id}/close`)).status).toBe(200);
    const closed = JSON.parse((await sse.next((e) => e.event === 'turnout' && JSON.parse(e.data).status === 'closed', n)).data);
    expect(closed).toMatchObject({ coarsened: false, ballotsCast: 7, voidStamp: { label: '无效', minRespondents: 70, ballotsCast: 7 } });

    // Heartbeats keep the stream alive.
    await sleep(450);
    expect(sse.comments).toBeGreaterThan(0);

    expect(app.turnoutLive.streamCount()).toBe(1);
    sse.close();
    for (let i = 0; i < 50 && app.turnoutLive.streamCount() > 0; i++) await sleep(20);
    expect(app.turnoutLive.streamCount()).toBe(0);
  });

  it('refuses a missing, forged or other meeting’s ticket (expiry: test/unit/turnout.test.ts), and never logs a ticket', async () => {
    const a = await newOpenMeeting(1);
    const b = await newOpenMeeting(1);
    const tk = await ticket(a.id);
    const get = async (url: string) => {
      const res = await fetch(base + url, { headers: { accept: 'text/event-stream' } });
      return { status: res.status, body: (await res.json()) as any };
    };
    expect((await get(`/api/meetings/${a.id}/live`)).status).toBe(400);
    const other = await get(`/api/meetings/${b.id}/live?ticket=${tk.ticket}`);
    expect(other.status).toBe(401);
    expect(other.body.error.code).toBe('TICKET_INVALID');
    const [body, mac] = tk.ticket.split('.');
    expect((await get(`/api/meetings/${a.id}/live?ticket=${body}.${mac!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`)).status).toBe(401);
    // The ticket endpoint itself needs a login.
    expect((await fetch(`${base}/api/meetings/${a.id}/live-ticket`, { method: 'POST' })).status).toBe(401);

    const sse = await SseClient.open(base + tk.streamUrl);
    await sse.next((e) => e.event === 'turnout');
    // A ticket opens one stream: the same ticket again (copied from a screen or a log) is refused.
    const again = await get(tk.streamUrl);
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('TICKET_INVALID');
    sse.close();
    await sleep(50);
    expect(logs).toContain('live-ticket'); // the request log is on…
    expect(logs).not.toContain(tk.ticket); // …and never holds a ticket
    expect(logs).not.toContain(mac!);
  });

  it('ends each stream with an "end" event when its time is up', async () => {
    const m = await newOpenMeeting(1);
    app.turnoutLive.setTiming({ maxStreamMs: 300 });
    try {
      const sse = await SseClient.open(base + (await ticket(m.id)).streamUrl);
      const end = await sse.next((e) => e.event === 'end');
      expect(JSON.parse(end.data)).toEqual({ reason: 'expired' });
      await sse.next(() => false, 0, 2000).catch(() => undefined);
      expect(sse.ended).toBe(true);
    } finally {
      app.turnoutLive.setTiming({ maxStreamMs: 30 * 60_000 });
    }
  });
});

describe('server shutdown', () => {
  it('sends "end" to every open stream and closes them, so the server closes promptly', async () => {
    const m = await newOpenMeeting(1);
    const one = await SseClient.open(base + (await ticket(m.id)).streamUrl);
    const two = await SseClient.open(base + (await ticket(m.id)).streamUrl);
    await one.next((e) => e.event === 'turnout');
    await two.next((e) => e.event === 'turnout');
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(3000);
    for (const c of [one, two]) {
      const end = await c.next((e) => e.event === 'end');
      expect(JSON.parse(end.data)).toEqual({ reason: 'server-closing' });
      expect(c.ended).toBe(true);
    }
    expect(app.turnoutLive.streamCount()).toBe(0);
  });
});
