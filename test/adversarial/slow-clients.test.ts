// Slow clients against a real server process: 2,000 connections that send headers or a body one byte at a time
// must neither stop 100 honest voters (p99 under one second) nor stay open past the request timeout.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LIMITS } from '../../src/config.js';
import { call, markedBallot, openPoll, startServer, type ServerProcess } from '../helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ceping-slow-'));
let server: ServerProcess | null = null;
const sockets: Socket[] = [];
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const SLOW = 2_000;
const HONEST = 100;

it('keeps serving honest voters while 2,000 slow clients drip, and closes the slow ones', { timeout: 120_000 }, async () => {
  server = await startServer(join(dir, 'slow.sqlite'));
  const { port } = new URL(server.base);
  const poll = await openPoll(server.base, HONEST);
  let closed = 0;
  // Half drip their headers (slowloris), half announce a body and drip it.
  for (let i = 0; i < SLOW; i++) {
    const s = connect({ host: '127.0.0.1', port: Number(port) });
    s.on('error', () => undefined);
    s.on('close', () => closed++);
    s.setNoDelay(true);
    if (i % 2 === 0) s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    else s.write(`POST /api/ballot/${poll.tokens[0]} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
    sockets.push(s);
  }
  const drip = setInterval(() => {
    for (const [i, s] of sockets.entries()) if (!s.destroyed) s.write(i % 2 === 0 ? 'X-a: b\r\n' : ' ');
  }, 1_000);
  try {
    await new Promise((r) => setTimeout(r, 2_000));
    // 100 honest voters, all at once: load the ballot, then submit it.
    const times = await Promise.all(
      poll.tokens.map(async (token, i) => {
        const t0 = performance.now();
        const form = await call(server!.base, 'GET', `/api/ballot/${token}`);
        if (i === 0) expect(form.status).toBe(200);
        const cast = await call(server!.base, 'POST', `/api/ballot/${token}`, { answers: markedBallot(poll.template, `honest-${i}`) });
        expect(cast.status).toBe(201);
        return performance.now() - t0;
      }),
    );
    times.sort((a, b) => a - b);
    const p99 = times[Math.ceil(times.length * 0.99) - 1]!;
    console.log(`honest voters beside ${SLOW} slow clients: p50 ${times[times.length >> 1]!.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`);
    expect(p99).toBeLessThan(1_000);
    // The slow ones are cut off once their request has taken longer than allowed.
    const deadline = Date.now() + LIMITS.http.requestMs + 15_000;
    while (closed < SLOW && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(closed).toBe(SLOW);
    expect((await call(server.base, 'GET', '/healthz')).status).toBe(200);
  } finally {
    clearInterval(drip);
  }
});
