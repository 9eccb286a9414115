import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every source file of the console (its tests aside). */
function sources(dir = join(__dirname, 'console')): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(f) && !f.endsWith('.spec.ts') ? [p] : [];
  });
}

describe('ops console source', () => {
  const all = sources().map((p) => ({ p, text: readFileSync(p, 'utf8') }));

  it('never writes markup from data: no innerHTML, dangerouslySetInnerHTML, insertAdjacentHTML or document.write', () => {
    expect(all.length).toBeGreaterThan(5);
    for (const { p, text } of all) expect([p, text]).not.toEqual([p, expect.stringMatching(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/)]);
  });

  it('keeps the key in sessionStorage only', () => {
    for (const { p, text } of all) expect([p, text]).not.toEqual([p, expect.stringMatching(/localStorage|document\.cookie/)]);
    expect(all.some(({ text }) => text.includes('sessionStorage'))).toBe(true);
  });
});
