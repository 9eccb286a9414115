import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('allows N per key per window, then refuses with the seconds left', () => {
    let now = 1_000_000;
    const rl = new RateLimiter(3, () => now);
    expect([1, 2, 3].map(() => rl.take('a').allowed)).toEqual([true, true, true]);
    now += 15_000;
    expect(rl.take('a')).toEqual({ allowed: false, limit: 3, remaining: 0, resetS: 45 });
    expect(rl.take('b')).toEqual({ allowed: true, limit: 3, remaining: 2, resetS: 60 });
    now += 44_500;
    expect(rl.take('a')).toMatchObject({ allowed: false, resetS: 1 });
    now += 500;
    expect(rl.take('a')).toMatchObject({ allowed: true, remaining: 2, resetS: 60 });
  });

  it('is off at 0', () => {
    const rl = new RateLimiter(0);
    expect(rl.enabled).toBe(false);
    for (let i = 0; i < 100; i++) expect(rl.take('a').allowed).toBe(true);
  });

  it('stays bounded in keys', () => {
    let now = 0;
    const rl = new RateLimiter(1, () => now, 10);
    for (let i = 0; i < 50; i++) rl.take(`k${i}`);
    expect((rl as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(10);
    now += 60_000;
    expect(rl.take('k49').allowed).toBe(true);
  });
});
