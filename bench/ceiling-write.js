'use strict';
// ceiling-write: the durable-ack limit on this machine. A bare Fastify POST that does what the
// callback route must do before it may answer 200 and nothing more: verify the HMAC on the raw
// bytes (the service's own verifyEccaex, from dist/), find the delivery key, and store the raw
// callback with one INSERT ... ON CONFLICT DO NOTHING (autocommit) into a table of the same shape
// as webhook_inbox, through a `pg` pool sized and configured like the service's.
// PORT, DATABASE_URL, ECCAEX_WEBHOOK_SECRET (required); DATABASE_POOL_SIZE (default 20, as the service).
const Fastify = require('fastify');
const { servicePool } = require('./lib/db');
const { createHash } = require('node:crypto');
const path = require('node:path');
const { serve } = require('./lib/serve');

const { verifyEccaex } = require(path.join(__dirname, '..', 'dist', 'src', 'gateways', 'eccaex', 'eccaex-signature.js'));

const TABLE = 'bench_ceiling_inbox';

async function main() {
  const port = Number(process.env.PORT);
  const url = process.env.DATABASE_URL;
  const secrets = (process.env.ECCAEX_WEBHOOK_SECRET || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!port || !url || !secrets.length) throw new Error('PORT, DATABASE_URL and ECCAEX_WEBHOOK_SECRET are required');
  const pool = servicePool(url, 'bench-ceiling-write');
  // Same columns, defaults, checks and indexes as webhook_inbox (the migration must have run).
  await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (LIKE webhook_inbox INCLUDING ALL)`);
  await pool.query(`TRUNCATE ${TABLE}`);
  const scheme = { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'hex', toleranceS: 300 };
  const sql = `INSERT INTO ${TABLE} (provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, status)
               VALUES ($1,$2,$3,$4,$5,$6,$7,'received')
               ON CONFLICT (provider, idempotency_key) WHERE conflict_of IS NULL DO NOTHING`;

  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/v1/webhooks/eccaex', async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifyEccaex({
      rawBody: raw,
      signature: req.headers['x-signature'],
      timestamp: req.headers['x-signature-timestamp'],
      secrets,
      scheme,
      nowSeconds: Date.now() / 1000,
    });
    if (!verdict.ok) return reply.code(401).send({ error: { code: 'INVALID_SIGNATURE', details: { reason: verdict.reason } } });
    let p;
    try {
      p = JSON.parse(raw.toString('utf8'));
    } catch {
      return reply.code(400).send({ error: { code: 'MALFORMED_PAYLOAD' } });
    }
    const hash = createHash('sha256').update(raw).digest('hex');
    const given = req.headers['x-idempotency-key'];
    const key = typeof given === 'string' && given ? given : typeof p.event_id === 'string' ? p.event_id : `sha256:${hash}`;
    const headers = JSON.stringify({
      'x-signature': req.headers['x-signature'] || '',
      'x-signature-timestamp': req.headers['x-signature-timestamp'] || '',
      'x-idempotency-key': given || '',
      'content-type': req.headers['content-type'] || '',
      'user-agent': req.headers['user-agent'] || '',
    });
    try {
      const r = await pool.query(sql, ['eccaex', key, hash, raw, headers, p.order_id ?? null, p.external_id ?? null]);
      return { received: true, duplicate: r.rowCount === 0 };
    } catch {
      return reply.code(503).send({ error: { code: 'STORAGE_UNAVAILABLE' } });
    }
  });
  await serve(app, port, 'ceiling-write', () => pool.end());
}

main().catch((err) => {
  process.stderr.write(`ceiling-write failed: ${err.stack || err}\n`);
  process.exit(1);
});
