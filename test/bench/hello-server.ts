import { serve } from '@hono/node-server';
import { Hono } from 'hono';

// The baseline every benchmark is divided by: the fastest thing this stack can answer, measured on the
// same machine in the same run (Hono on @hono/node-server, as the gateway).
const app = new Hono().get('/', (c) => c.text('Hello Hono!'));
const port = Number(process.env.PORT);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => process.stdout.write(`listening ${port}\n`));
