'use strict';
// ceiling-http: the framework limit on this machine. A bare Fastify route that answers 200 to the
// same request the callback-ack scenario sends (body read as raw bytes, nothing else done).
// PORT (required). Run by bench/run.js as its own process.
const Fastify = require('fastify');
const { serve } = require('./lib/serve');

async function main() {
  const port = Number(process.env.PORT);
  if (!port) throw new Error('PORT is required');
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.get('/', async () => ({ ok: true }));
  app.post('/v1/webhooks/eccaex', async () => ({ received: true, duplicate: false }));
  await serve(app, port, 'ceiling-http');
}

main().catch((err) => {
  process.stderr.write(`ceiling-http failed: ${err.stack || err}\n`);
  process.exit(1);
});
