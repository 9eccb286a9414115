'use strict';
// A keep-alive connection pool to one origin (undici, which Node's own fetch is built on): the
// gateway drivers' calls to their sandboxes, from the orchestrator and from the ceilings alike.
const { Pool } = require('undici');

/**
 * `http(method, path, { headers, body })` → `{ status, headers, raw }` (raw: the exact bytes of the
 * answer, a Buffer), over at most `connections` keep-alive connections to `origin`.
 */
function pooled(origin, { connections = 64, timeoutMs = 10_000 } = {}) {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const http = async (method, path, { headers = {}, body } = {}) => {
    const res = await pool.request({ method, path, headers, body });
    const raw = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, raw };
  };
  http.close = () => pool.close();
  return http;
}

/** The JSON of an answer; an error naming the call when it is not 2xx or not JSON. */
function json(res, what) {
  if (res.status < 200 || res.status > 299) throw new Error(`${what}: HTTP ${res.status} ${res.raw.toString('utf8').slice(0, 300)}`);
  try {
    return JSON.parse(res.raw.toString('utf8'));
  } catch {
    throw new Error(`${what}: not JSON: ${res.raw.toString('utf8').slice(0, 300)}`);
  }
}

module.exports = { pooled, json };
