import pino from 'pino';
import { Writable } from 'node:stream';
import type { Settings } from '../config/settings';
import Fastify from 'fastify';
import { pinoHttpOptions, registerRequestLog, scrubSecrets } from './logging';

describe('scrubSecrets', () => {
  it('blanks secret-named keys at any depth and in any case, copying only what changed', () => {
    const shared = { untouched: true };
    const line = {
      msg: 'x',
      apiKey: 'k1',
      nested: { deeper: { headers: { Authorization: 'Bearer sk_live', 'X-API-KEY': 'k2', accept: 'application/json' } } },
      list: [{ webhookSecret: 's1' }, 'plain'],
      shared,
    };
    const out = scrubSecrets(line);
    expect(out).toEqual({
      msg: 'x',
      apiKey: '[redacted]',
      nested: { deeper: { headers: { Authorization: '[redacted]', 'X-API-KEY': '[redacted]', accept: 'application/json' } } },
      list: [{ webhookSecret: '[redacted]' }, 'plain'],
      shared,
    });
    expect(out.shared).toBe(shared);
    expect(line.apiKey).toBe('k1');
    expect(line.nested.deeper.headers.Authorization).toBe('Bearer sk_live');
  });

  it('serialises an error first and blanks the headers of its request config', () => {
    const err = Object.assign(new Error('request failed'), { config: { url: 'https://gw/x', headers: { 'X-Api-Key': 'sk_gateway' } } });
    const out = scrubSecrets({ err }) as unknown as { err: { message: string; stack: string; config: { headers: Record<string, string>; url: string } } };
    expect(out.err.message).toBe('request failed');
    expect(out.err.stack).toContain('request failed');
    expect(out.err.config).toEqual({ url: 'https://gw/x', headers: { 'X-Api-Key': '[redacted]' } });
    expect(JSON.stringify(out)).not.toContain('sk_gateway');
  });

  it('leaves lines without secrets as they are (same object)', () => {
    const line = { msg: 'ok', n: 1, req: { id: 'r', method: 'GET', url: '/v1/orders' } };
    expect(scrubSecrets(line)).toBe(line);
  });

  it('keeps secrets out of a request line: the request binding (headers dropped, query blanked) and the fields', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString('utf8')), done()) });
    const log = pino(pinoHttpOptions({ logLevel: 'info' } as Settings, stream), stream);
    const app = Fastify({ genReqId: () => 'r1' });
    registerRequestLog(app, log);
    app.get('/v1/currencies', (_req, reply) => {
      // Logged inside the request after an await, as a service would: the request id comes along.
      return Promise.resolve().then(() => {
        log.info({ apiKey: 'k4', nested: { secret: 'k5' }, ok: 'yes' }, 'hello');
        return reply.send({ ok: true });
      });
    });
    app.get('/fails', (_req, reply) => reply.code(503).send({ no: true }));
    app.get('/health/live', () => ({ ok: true }));
    await app.inject({ method: 'GET', url: '/v1/currencies?api_key=k1&x=1', headers: { authorization: 'Bearer k2', 'x-api-key': 'k3' } });
    await app.inject({ method: 'GET', url: '/fails' });
    await app.inject({ method: 'GET', url: '/health/live' });
    log.info('outside any request');
    await app.close();
    const parsed = lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toHaveLength(4);
    expect(parsed[0]).toMatchObject({ request_id: 'r1', apiKey: '[redacted]', nested: { secret: '[redacted]' }, ok: 'yes', msg: 'hello', service: 'merchant-payments' });
    expect(parsed[1]).toMatchObject({ request_id: 'r1', req: { id: 'r1', method: 'GET', url: '/v1/currencies?api_key=[redacted]&x=1' }, res: { statusCode: 200 }, msg: 'request completed', level: 30 });
    expect(typeof parsed[1].responseTime).toBe('number');
    expect(parsed[2]).toMatchObject({ request_id: 'r1', req: { url: '/fails' }, res: { statusCode: 503 }, msg: 'request errored', level: 50 });
    expect(parsed[3]).toMatchObject({ msg: 'outside any request' });
    expect(parsed[3]).not.toHaveProperty('request_id');
    expect(lines.join('')).not.toMatch(/k[1-5]/);
  });
});
