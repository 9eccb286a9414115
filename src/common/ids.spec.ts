import { isUuid, newId, uuidV7 } from './ids';

describe('ids', () => {
  it('newId makes version 7 UUIDs, unique, that sort in the order they were made', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(newId());
      await new Promise((r) => setTimeout(r, 2));
    }
    for (const id of ids) expect([id, isUuid(id), id[14], '89ab'.includes(id[19]!)]).toEqual([id, true, '7', true]);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => newId())).size).toBe(10_000);
  });

  it('uuidV7 (the fallback) puts the milliseconds first and sets the version and variant', () => {
    const at = Date.UTC(2026, 10, 30, 12, 0, 0);
    const id = uuidV7(at);
    expect(isUuid(id)).toBe(true);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(uuidV7(at + 1) > uuidV7(at)).toBe(true);
  });
});
