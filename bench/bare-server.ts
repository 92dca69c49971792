// The machine's ceiling for the HTTP benchmarks: Fastify with nothing but a route that parses the same JSON body
// and returns a constant and, given a form file, a GET that sends that JSON precompressed (brotli and gzip made
// once at start, chosen by Accept-Encoding): the ceiling of a whole vote's GET + POST pair.
// Run as its own process: node --import tsx bench/bare-server.ts <port> [<form.json>]
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const formFile = process.argv[3];
const app = Fastify({ logger: false, bodyLimit: 512 * 1024 });
const counted = { status: 'counted', alreadyCounted: false, valid: true, message: '投票成功，感谢您的参与。' };
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/api/ballot/:token', async (_req, reply) => reply.code(201).send(counted));
if (formFile) {
  // The same settings as Ceping's cached voter form (src/ballots/form-cache.ts).
  const identity = readFileSync(formFile);
  const br = brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } });
  const gzip = gzipSync(identity, { level: 9 });
  app.get('/api/ballot/:token', async (req, reply) => {
    const accept = String(req.headers['accept-encoding'] ?? '');
    const [body, encoding] = accept.includes('br') ? [br, 'br'] : accept.includes('gzip') ? [gzip, 'gzip'] : [identity, null];
    reply.header('content-type', 'application/json; charset=utf-8').header('vary', 'accept-encoding');
    if (encoding) reply.header('content-encoding', encoding);
    return reply.send(body);
  });
}
await app.listen({ port, host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
