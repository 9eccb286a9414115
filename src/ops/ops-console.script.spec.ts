import { Script } from 'node:vm';
import { OPS_CONSOLE_JS } from './ops-console.script';

describe('ops console script', () => {
  it('is valid JavaScript (it ships without a build step)', () => {
    expect(() => new Script(OPS_CONSOLE_JS, { filename: 'ops/app.js' })).not.toThrow();
  });

  it('never writes markup from data: no innerHTML, outerHTML, insertAdjacentHTML or document.write', () => {
    expect(OPS_CONSOLE_JS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('keeps the key in sessionStorage only', () => {
    expect(OPS_CONSOLE_JS).not.toMatch(/localStorage|document\.cookie/);
    expect(OPS_CONSOLE_JS).toContain('sessionStorage');
  });
});
