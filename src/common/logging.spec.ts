import { REDACT_PATHS, scrubSecrets } from './logging';

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

  it('has no path with a leading wildcard (those cost a walk of every per-request binding)', () => {
    expect(REDACT_PATHS.filter((p) => p.startsWith('*'))).toEqual([]);
  });
});
