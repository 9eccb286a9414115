import { Logger } from '@nestjs/common';
import { databaseUnavailable, toEnvelope } from './http-exception.filter';
import { jsonBodyProblem, MAX_JSON_DEPTH } from './input-guards';

describe('jsonBodyProblem', () => {
  it('accepts ordinary bodies', () => {
    expect(jsonBodyProblem({ amount: '1.00', metadata: { a: 'b' }, list: [1, 'x', null] })).toBeNull();
  });

  it('names the first string or key with a NUL character', () => {
    expect(jsonBodyProblem({ customer_id: 'a\u0000b' })).toEqual({ field: 'customer_id', message: expect.stringContaining('NUL') });
    expect(jsonBodyProblem({ metadata: { k: 'v\u0000' } })).toEqual({ field: 'metadata.k', message: expect.stringContaining('NUL') });
    expect(jsonBodyProblem({ metadata: { 'k\u0000': 'v' } })).toEqual({ field: 'metadata', message: expect.stringContaining('keys') });
    expect(jsonBodyProblem({ list: ['ok', 'n\u0000'] })).toEqual({ field: 'list[1]', message: expect.stringContaining('NUL') });
  });

  it('refuses nesting past the limit without recursing (100,000 levels)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(jsonBodyProblem({ metadata: deep })?.message).toContain(`more than ${MAX_JSON_DEPTH} levels`);
    let ok: unknown = 'x';
    for (let i = 0; i < MAX_JSON_DEPTH - 2; i++) ok = [ok];
    expect(jsonBodyProblem({ a: ok })).toBeNull();
  });
});

describe('databaseUnavailable', () => {
  const log = { warn: jest.fn(), error: jest.fn() } as unknown as Logger;

  it('recognises connection loss, refused connections and admin shutdown, also wrapped by TypeORM', () => {
    expect(databaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(databaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(databaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(databaseUnavailable({ name: 'QueryFailedError', message: 'x', driverError: { code: '57P01', message: 'terminating connection due to administrator command' } })).toBe(true);
    expect(databaseUnavailable({ message: 'the database system is starting up', code: '57P03' })).toBe(true);
    expect(databaseUnavailable({ message: 'could not connect', code: '08006' })).toBe(true);
    expect(databaseUnavailable(new Error('Query runner already released. Cannot run queries anymore.'))).toBe(true);
  });

  it('leaves errors a query itself caused alone', () => {
    expect(databaseUnavailable({ message: 'relation "orders" does not exist', code: '42P01' })).toBe(false);
    expect(databaseUnavailable({ message: 'duplicate key value violates unique constraint', code: '23505' })).toBe(false);
    expect(databaseUnavailable(new Error('boom'))).toBe(false);
    expect(databaseUnavailable(undefined)).toBe(false);
  });

  it('renders as a retryable 503 in the envelope, no internals', () => {
    const r = toEnvelope(new Error('Connection terminated unexpectedly'), 'req-1', log);
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.body).toEqual({ error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String), details: {} }, request_id: 'req-1' });
    expect(JSON.stringify(r.body)).not.toMatch(/terminated/);
  });
});
