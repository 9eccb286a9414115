import { Batcher } from './batcher';

/** A run whose batches are released by hand, recording what each batch held. */
function manual() {
  const batches: number[][] = [];
  const releases: Array<(outs: Array<string | Error> | Error) => void> = [];
  const run = (items: number[]) =>
    new Promise<Array<string | Error>>((resolve, reject) => {
      batches.push(items);
      releases.push((outs) => (outs instanceof Error ? reject(outs) : resolve(outs)));
    });
  return { batches, releases, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Batcher (group commit of the callback intake)', () => {
  it('sends a lone item at once, and what arrives meanwhile together in the next batch', async () => {
    const m = manual();
    const b = new Batcher<number, string | Error>(m.run, { maxBatch: 10, maxInFlight: 1 });
    const first = b.submit(1);
    await tick();
    expect(m.batches).toEqual([[1]]);
    const rest = [2, 3, 4].map((n) => b.submit(n));
    await tick();
    expect(m.batches).toEqual([[1]]); // waiting for the statement in flight
    m.releases[0]!(['one']);
    expect(await first).toBe('one');
    await tick();
    expect(m.batches).toEqual([[1], [2, 3, 4]]);
    m.releases[1]!(['two', 'three', 'four']);
    expect(await Promise.all(rest)).toEqual(['two', 'three', 'four']);
  });

  it('never puts more than maxBatch items in one batch, nor runs more than maxInFlight at once', async () => {
    const m = manual();
    const b = new Batcher<number, string | Error>(m.run, { maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5, 6, 7].map((n) => b.submit(n));
    await tick();
    // The first two went alone (nothing else was waiting); the rest wait for a free slot.
    expect(m.batches).toEqual([[1], [2]]);
    m.releases[0]!(['a']);
    await tick();
    expect(m.batches).toEqual([[1], [2], [3, 4]]);
    m.releases[1]!(['b']);
    await tick();
    expect(m.batches).toEqual([[1], [2], [3, 4], [5, 6]]);
    m.releases[2]!(['c', 'd']);
    await tick();
    expect(m.batches).toEqual([[1], [2], [3, 4], [5, 6], [7]]);
    m.releases[3]!(['e', 'f']);
    m.releases[4]!(['g']);
    expect(await Promise.all(all)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('an Error in an item\'s place fails that caller only; a failed batch fails each of its callers', async () => {
    const m = manual();
    const b = new Batcher<number, string | Error>(m.run, { maxBatch: 10, maxInFlight: 1 });
    const lone = b.submit(0);
    await tick();
    const [x, y] = [b.submit(1), b.submit(2)];
    m.releases[0]!(new Error('database unreachable'));
    await expect(lone).rejects.toThrow('database unreachable');
    await tick();
    m.releases[1]!(['ok', new Error('refused: this callback only')]);
    expect(await x).toBe('ok');
    await expect(y).rejects.toThrow('this callback only');
  });
});
