import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, envelope, STATUS_CODES } from './api-error';

/**
 * Input the database cannot take or the framework cannot walk, refused as a 4xx in the envelope
 * before it reaches a handler (found by the fuzz suite, test/fuzz):
 * - NUL characters: Postgres text/varchar/jsonb cannot store U+0000, so a NUL in a path
 *   parameter, a query value or a JSON string used to surface as a 500 from the first query.
 * - JSON nested thousands of levels deep: class-transformer recurses and overflows the stack.
 * - Router errors (a malformed %-escape in the path, a path parameter past maxParamLength) that
 *   Fastify answers itself, outside Nest's exception filter.
 */

/** Longest path parameter the router accepts (an order ref is a uuid or an external_id ≤ 128). */
export const MAX_PARAM_LENGTH = 1024;
/** Deepest JSON body accepted; the contract's bodies are two levels deep. */
export const MAX_JSON_DEPTH = 32;

const NUL = '\u0000';

/** The first problem of a parsed JSON body (NUL in a key or string, or too deep), or null. Iterative. */
export function jsonBodyProblem(value: unknown): { field: string; message: string } | null {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: '', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes(NUL)) return { field: path || 'body', message: 'must not contain NUL (\\u0000) characters' };
      continue;
    }
    if (!v || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { field: path || 'body', message: `is nested too deeply (more than ${MAX_JSON_DEPTH} levels)` };
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      const p = path ? `${path}.${k}` : k;
      if (k.includes(NUL)) return { field: path || 'body', message: 'keys must not contain NUL (\\u0000) characters' };
      stack.push({ v: item, path: p, depth: depth + 1 });
    }
  }
  return null;
}

function nulIn(source: unknown): string | null {
  if (!source || typeof source !== 'object') return null;
  for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
    const values = Array.isArray(v) ? v : [v];
    if (k.includes(NUL) || values.some((x) => typeof x === 'string' && x.includes(NUL))) return k.replace(/\u0000/g, '\\u0000');
  }
  return null;
}

/** /v1 path parameters and query values with a NUL character: 400 VALIDATION_FAILED naming the field. */
export function registerNulGuard(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!req.url.startsWith('/v1/')) return done();
    const field = nulIn(req.params) ?? nulIn(req.query);
    if (field === null) return done();
    const err = ApiError.validation({ [field]: ['must not contain NUL (\\u0000) characters'] });
    void reply
      .code(400)
      .type('application/json; charset=utf-8')
      .send(envelope(err.code, err.message, err.details, String(req.id)));
  });
}

/** Fastify's `frameworkErrors`: router-level errors in the error envelope (docs/api.md section 1), with X-Request-Id. */
export function frameworkErrors(error: Error & { statusCode?: number; code?: string }, req: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 400;
  const [code, message] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? ['URI_TOO_LONG', `A path parameter is longer than ${MAX_PARAM_LENGTH} characters.`]
      : error.code === 'FST_ERR_BAD_URL'
        ? ['BAD_REQUEST', 'The URL is not validly encoded.']
        : (STATUS_CODES[status] ?? STATUS_CODES[status >= 500 ? 500 : 400]!);
  void reply
    .code(status)
    .header('x-request-id', String(req.id))
    .type('application/json; charset=utf-8')
    .send(envelope(code, message, {}, String(req.id)));
}
