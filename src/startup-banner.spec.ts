import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDevSecrets } from './config/dev-secrets';
import { loadSettings } from './config/settings';
import { banner } from './startup-banner';

// The start-up banner shows generated dev keys (they exist to be used), never a key the operator set.
describe('startup banner', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'banner-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('with generated dev keys: names both and puts the storefront key in the "Try it" line', () => {
    const s = withDevSecrets(loadSettings({ DATA_DIR: dataDir }));
    expect(s.generated).toEqual(expect.arrayContaining(['STOREFRONT_API_KEYS', 'OPS_API_KEYS']));
    const text = banner(s);
    expect(text).toContain(`storefront key  ${s.storefrontApiKeys[0]}`);
    expect(text).toContain(`ops key         ${s.opsApiKeys[0]}`);
    expect(text).toContain(`Bearer ${s.storefrontApiKeys[0]}`);
  });

  it('with keys the operator set: neither appears anywhere, the "Try it" line names the setting instead', () => {
    const storefront = 'sk_store_operator_set_0123456789';
    const ops = 'sk_ops_operator_set_0123456789';
    const s = withDevSecrets(loadSettings({ DATA_DIR: dataDir, STOREFRONT_API_KEYS: storefront, OPS_API_KEYS: ops }));
    expect(s.generated).not.toContain('STOREFRONT_API_KEYS');
    const text = banner(s);
    expect(text).toContain('Try it:');
    expect(text).not.toContain(storefront);
    expect(text).not.toContain(ops);
    expect(text).toContain('Bearer <a key of STOREFRONT_API_KEYS>');
  });

  it('with only the ops key set: the generated storefront key is shown, the ops key is not', () => {
    const ops = 'sk_ops_operator_set_0123456789';
    const s = withDevSecrets(loadSettings({ DATA_DIR: dataDir, OPS_API_KEYS: ops }));
    const text = banner(s);
    expect(text).toContain(`storefront key  ${s.storefrontApiKeys[0]}`);
    expect(text).not.toContain(ops);
    expect(text).not.toMatch(/^ +ops key +/m);
  });
});
