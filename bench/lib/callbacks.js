'use strict';
// EccaEx callbacks as the gateway sends them, signed with the service's own signEccaex (from dist/).
const { randomUUID } = require('node:crypto');
const path = require('node:path');

const DIST = path.join(__dirname, '..', '..', 'dist', 'src');
const { signEccaex } = require(path.join(DIST, 'gateways', 'eccaex', 'eccaex-signature.js'));

const SCHEME = { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'hex' };

function signedHeaders(secret, raw, key) {
  const ts = String(Math.floor(Date.now() / 1000));
  const headers = {
    'content-type': 'application/json',
    'x-signature-timestamp': ts,
    'x-signature': signEccaex(secret, ts, raw, SCHEME),
    'user-agent': 'EccaEx-Webhook/1.0',
  };
  if (key !== undefined) headers['x-idempotency-key'] = key;
  return headers;
}

/** A callback body as EccaEx sends it (docs/gateways/eccaex.md, "Callbacks"): about an invoice, with our external_id. */
function callbackBody({ invoiceId, externalId, status = 'success', eventTs = Math.floor(Date.now() / 1000) }) {
  return Buffer.from(
    JSON.stringify({
      event_id: `${invoiceId}:${status}:${eventTs}`,
      event_type: `invoice.${status}`,
      order_id: invoiceId,
      external_id: externalId,
      status,
      amount: '1500.00',
      currency: 'UAH',
      created_at: new Date(eventTs * 1000).toISOString(),
    }),
  );
}

/**
 * autocannon request list: every request a new callback (new invoice id, new delivery key),
 * signed at send time. The invoice ids are not ours: the workers store them as unmatched.
 */
function uniqueCallbackRequests(secret, routePath = '/v1/webhooks/eccaex') {
  let n = 0;
  const prefix = randomUUID().slice(0, 8);
  return [
    {
      method: 'POST',
      path: routePath,
      setupRequest: (req) => {
        n += 1;
        const invoiceId = randomUUID();
        const raw = callbackBody({ invoiceId, externalId: `bench-${prefix}-${n}` });
        return { ...req, headers: signedHeaders(secret, raw, `${invoiceId}:success:${n}`), body: raw };
      },
    },
  ];
}

/** The same delivery over and over (same key, same bytes, same signature). */
function sameCallbackRequests(secret, { invoiceId, externalId, key }, routePath = '/v1/webhooks/eccaex') {
  const raw = callbackBody({ invoiceId, externalId });
  const headers = signedHeaders(secret, raw, key);
  return { raw, requests: [{ method: 'POST', path: routePath, headers, body: raw }] };
}

module.exports = { signedHeaders, callbackBody, uniqueCallbackRequests, sameCallbackRequests, SCHEME, DIST };
