// The peer for cookie sessions: Express 5 + express-session + connect-redis (node-redis client).
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await client.connect();
const app = express();
app.use(express.json());
app.use(
  session({
    store: new RedisStore({ client, prefix: `${process.env.REDIS_PREFIX ?? 'bench:'}sess:` }),
    secret: 'bench-only-secret-0123456789abcdef',
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' },
  }),
);
app.post('/login', (req, res) => {
  req.session.userId = 'user-1';
  res.status(204).end();
});
app.get('/me', (req, res) => {
  if (req.session.userId === undefined) return res.status(401).json({ error: 'invalid_token' });
  res.json({ id: req.session.userId, email: 'bench@example.com' });
});
const server = app.listen(0, '127.0.0.1', () =>
  process.stderr.write(`listening on http://127.0.0.1:${server.address().port}\n`),
);
