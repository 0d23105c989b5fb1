// The ceiling: bare Fastify answering a small JSON body.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ id: 'user-1', email: 'bench@example.com' }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stderr.write(`listening on ${address}\n`);
