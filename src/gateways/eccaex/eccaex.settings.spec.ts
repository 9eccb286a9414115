import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withDevSecrets } from '../../config/dev-secrets';
import { DEMO_KEYS, loadSettings, Settings } from '../../config/settings';
import { Env, expectRefused, LIVE_CORE, liveEnvOf, othersOff } from '../testing/env';

const ROOT = resolve(__dirname, '../../..');

/** EccaEx live beside nothing else, every rule passed; each test breaks one thing. */
const LIVE: Env = {
  ...LIVE_CORE,
  ...othersOff('eccaex'),
  ...liveEnvOf('eccaex'),
};

describe('ECCAEX_* settings', () => {
  it('defaults: the sandbox this service mounts, no key, the signature scheme of the docs, 10 s', () => {
    expect(loadSettings({}).eccaex).toEqual({
      mode: 'sandbox',
      baseUrl: 'http://127.0.0.1:3000/sandbox/eccaex/api/v1',
      apiKey: '',
      webhookSecrets: [],
      signaturePayload: '{timestamp}.{body}',
      signatureAlgorithm: 'sha256',
      signatureEncoding: 'hex',
      signatureToleranceS: 300,
      signatureCapture: false,
      timeoutMs: 10000,
    });
  });

  it.each([
    ['ECCAEX_SIGNATURE_PAYLOAD', '{body}.{timestamp}'],
    ['ECCAEX_SIGNATURE_ALGORITHM', 'md5'],
    ['ECCAEX_SIGNATURE_ENCODING', 'base32'],
    ['ECCAEX_SIGNATURE_TOLERANCE_S', '0'],
    ['ECCAEX_SIGNATURE_CAPTURE', 'on'],
    ['ECCAEX_TIMEOUT_MS', '50'],
    ['ECCAEX_MODE', 'production'],
    ['ECCAEX_BASE_URL', 'not a url'],
  ])('%s=%s is refused with one line naming it', (name, value) => {
    expectRefused({ [name]: value }, name);
  });

  it('can be the default provider', () => {
    expect(loadSettings({ DEFAULT_PROVIDER: 'eccaex' }).defaultProvider).toBe('eccaex');
  });
});

describe('ECCAEX_* settings: modes', () => {
  it.each<[string, Env, Settings['eccaex']['mode']]>([
    ['nothing set: the sandbox', {}, 'sandbox'],
    ['an API key: live', LIVE, 'live'],
    ['an API key in production: live', { ...LIVE, NODE_ENV: 'production' }, 'live'],
    ['ECCAEX_MODE=sandbox with an API key: the sandbox, with that key', { ECCAEX_MODE: 'sandbox', ECCAEX_API_KEY: 'sbx_own_key_0123456789' }, 'sandbox'],
    ['ECCAEX_MODE=sandbox in production: the sandbox', { ECCAEX_MODE: 'sandbox', NODE_ENV: 'production' }, 'sandbox'],
    ['NODE_ENV=development without a key: the sandbox', { NODE_ENV: 'development' }, 'sandbox'],
    ['DATABASE_EMBEDDED_LIVE=false without a key: the sandbox', { DATABASE_EMBEDDED_LIVE: 'false' }, 'sandbox'],
  ])('%s', (_name, env, mode) => {
    expect(loadSettings(env).eccaex.mode).toBe(mode);
  });

  it('an explicit sandbox in production runs, and says so as a warning', () => {
    const s = loadSettings({ ECCAEX_MODE: 'sandbox', NODE_ENV: 'production' });
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/^ECCAEX_MODE=sandbox with NODE_ENV=production: .*\/sandbox\/eccaex/);
    expect(loadSettings({ ECCAEX_MODE: 'sandbox' }).warnings).toEqual([]);
  });

  it('live needs its API key, and the sandbox key is never a built-in constant', () => {
    expectRefused({ ...LIVE, ECCAEX_MODE: 'live', ECCAEX_API_KEY: undefined }, 'ECCAEX_API_KEY', /required/);
    expect(loadSettings({ ECCAEX_MODE: 'sandbox', ECCAEX_API_KEY: 'sbx_own_key_0123456789' }).eccaex.apiKey).toBe('sbx_own_key_0123456789');
    expect(loadSettings({}).eccaex.apiKey).toBe('');
  });
});

describe('ECCAEX_* settings: live mode refuses what would lose money or leak keys', () => {
  it('the live deployment is accepted, on the documented host', () => {
    expect(loadSettings(LIVE).eccaex).toMatchObject({ mode: 'live', baseUrl: 'https://api.ecca-ex.com/api/v1', apiKey: LIVE.ECCAEX_API_KEY });
  });

  it('ECCAEX_WEBHOOK_SECRET is required', () => {
    expectRefused({ ...LIVE, ECCAEX_WEBHOOK_SECRET: undefined }, 'ECCAEX_WEBHOOK_SECRET', /required in live mode/);
  });

  it.each([
    ['ECCAEX_WEBHOOK_SECRET', 'x'],
    ['ECCAEX_WEBHOOK_SECRET', 'whsk_live_0123456789abcdef,too-short-15-ch'],
    ['ECCAEX_API_KEY', 'ek_live_0123456'],
  ])('%s=%s: shorter than 16 characters', (name, value) => {
    expectRefused({ ...LIVE, [name]: value }, name, /at least 16 characters/);
  });

  it('a short webhook secret stays allowed in the sandbox', () => {
    expect(loadSettings({ ECCAEX_WEBHOOK_SECRET: 'x' }).eccaex.webhookSecrets).toEqual(['x']);
  });

  it.each(['http://api.ecca-ex.com/api/v1', 'http://10.0.0.7:8080/api/v1'])('ECCAEX_BASE_URL=%s: not https, and not a loopback host', (value) => {
    expectRefused({ ...LIVE, ECCAEX_BASE_URL: value }, 'ECCAEX_BASE_URL', /must be https/);
  });

  it.each(['http://127.0.0.1:4010/api/v1', 'http://localhost:4010/api/v1'])('ECCAEX_BASE_URL=%s: a loopback host (local tests) is taken', (value) => {
    expect(() => loadSettings({ ...LIVE, ECCAEX_BASE_URL: value })).not.toThrow();
  });

  it.each(['ECCAEX_WEBHOOK_SECRET', 'ECCAEX_API_KEY'])('%s: every demo key is refused', (name) => {
    for (const demo of DEMO_KEYS) {
      if (demo.startsWith('whsec_')) continue;
      expectRefused({ ...LIVE, [name]: demo }, name, /demo value/);
    }
  });

  it('the compose sandbox demo runs the EccaEx sandbox; switched to live with a real key, the demo keys around it are refused', () => {
    const env: Env = { NODE_ENV: 'production' };
    for (const line of readFileSync(join(ROOT, 'deploy/sandbox.env'), 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) env[m[1]!] = m[2];
    }
    const db = { DATABASE_URL: 'postgres://payments@postgres:5432/payments' };
    expect(loadSettings({ ...env, ...db }).eccaex.mode).toBe('sandbox');
    expectRefused({ ...env, ECCAEX_MODE: 'live', ECCAEX_API_KEY: 'ek_live_0123456789abcdef', ...db }, 'STOREFRONT_API_KEYS', /demo value/);
  });
});

describe('ECCAEX_* settings: the sandbox keys kept in DATA_DIR', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'eccaex-settings-spec-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the sandbox merchant key is random per data directory, kept across restarts, readable by the owner only', () => {
    const a = dataDir();
    const first = withDevSecrets(loadSettings({ DATA_DIR: a }));
    const again = withDevSecrets(loadSettings({ DATA_DIR: a }));
    const other = withDevSecrets(loadSettings({ DATA_DIR: dataDir() }));
    expect(first.eccaex.apiKey).toMatch(/^sbx_[A-Za-z0-9_-]{32}$/);
    expect(again.eccaex.apiKey).toBe(first.eccaex.apiKey);
    expect(other.eccaex.apiKey).not.toBe(first.eccaex.apiKey);
    expect(statSync(join(a, 'dev-keys.json')).mode & 0o777).toBe(0o600);
    expect(first.generated).toEqual(['STOREFRONT_API_KEYS', 'OPS_API_KEYS', 'ECCAEX_WEBHOOK_SECRET']);
  });

  it('a keys file from before the merchant key existed gets one; keys set by hand are kept', () => {
    const d = dataDir();
    writeFileSync(join(d, 'dev-keys.json'), JSON.stringify({ storefrontKey: 'sk_store_old_0123456789', opsKey: 'sk_ops_old_0123456789ab', webhookSecret: 'whsk_old_0123456789' }));
    const s = withDevSecrets(loadSettings({ DATA_DIR: d, OPS_API_KEYS: 'sk_ops_mine_0123456789' }));
    expect(s.storefrontApiKeys).toEqual(['sk_store_old_0123456789']);
    expect(s.opsApiKeys).toEqual(['sk_ops_mine_0123456789']);
    expect(s.eccaex.apiKey).toMatch(/^sbx_/);
    expect(JSON.parse(readFileSync(join(d, 'dev-keys.json'), 'utf8')).sandboxMerchantKey).toBe(s.eccaex.apiKey);
  });

  it('off, it gets no sandbox key or webhook secret', () => {
    const s = withDevSecrets(loadSettings({ DATA_DIR: dataDir(), ECCAEX_MODE: 'off' }));
    expect(s.eccaex.apiKey).toBe('');
    expect(s.eccaex.webhookSecrets).toEqual([]);
    expect(s.generated).not.toContain('ECCAEX_WEBHOOK_SECRET');
  });

  it('never in live mode', () => {
    const d = dataDir();
    const s = withDevSecrets(loadSettings({ ...LIVE, DATA_DIR: d }));
    expect(s.eccaex.apiKey).toBe(LIVE.ECCAEX_API_KEY);
    expect(() => statSync(join(d, 'dev-keys.json'))).toThrow();
  });
});
