// The machine's ceiling for the submission benchmark: Fastify with nothing but a route that parses the same
// JSON body and returns a constant. Run as its own process: node --import tsx bench/bare-server.ts <port>
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false, bodyLimit: 512 * 1024 });
const counted = { status: 'counted', alreadyCounted: false, valid: true, message: '投票成功，感谢您的参与。' };
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/api/ballot/:token', async (_req, reply) => reply.code(201).send(counted));
await app.listen({ port, host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
