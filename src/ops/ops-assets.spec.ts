import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { buildPages } from '../../scripts/build-pages';
import { opsAssetsBuilt, projectRoot } from './ops-assets';

describe('the ops console bundle', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'pages-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds from src/ops/console into app.js and app.css, a script browsers can parse', async () => {
    await buildPages(out);
    const dir = join(out, 'ops');
    expect(opsAssetsBuilt(dir)).toBe(true);
    const js = readFileSync(join(dir, 'app.js'), 'utf8');
    expect(() => new Script(js, { filename: 'app.js' })).not.toThrow();
    expect(js).toContain('sessionStorage');
    expect(readFileSync(join(dir, 'app.css'), 'utf8')).toContain('table.cards');
  });

  it('finds the project root from src/ops (and so from dist/src/ops); a build compiled outside it uses the working directory', () => {
    expect(readFileSync(join(projectRoot(), 'package.json'), 'utf8')).toContain('"name": "merchant-payments"');
    expect(projectRoot(out)).toBe(process.cwd());
  });
});
