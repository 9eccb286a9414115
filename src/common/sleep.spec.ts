import { sleep } from './sleep';

describe('sleep', () => {
  it('resolves after the time given', async () => {
    const t0 = Date.now();
    await sleep(30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
  });

  it('resolves as soon as its signal aborts, and at once for a signal already aborted', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 10);
    await sleep(10_000, ac.signal);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const t1 = Date.now();
    await sleep(10_000, ac.signal);
    expect(Date.now() - t1).toBeLessThan(1_000);
  });
});
