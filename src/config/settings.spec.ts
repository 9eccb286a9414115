import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withDevSecrets } from './dev-secrets';
import { gatewaySlice } from '../gateways/gateway-plugin';
import { gatewayPlugins } from '../gateways/gateways.registry';
import { allLive, allOff, Env, expectRefused, modeSettings, othersOff, refusal } from '../gateways/testing/env';
import { DEMO_KEYS, loadSettings, Settings } from './settings';

// The core settings, and the rules that hold whichever gateways are registered: setting names and
// environments come from the registry. Each gateway's own settings have a spec in its folder.

const ROOT = resolve(__dirname, '../..');

/** A live deployment (every registered gateway live) that passes every rule; each test breaks one thing. */
const LIVE: Env = allLive();

const plugins = gatewayPlugins();
const modeOf = (s: Settings, name: string) => gatewaySlice(s, name)?.mode;

describe('settings: values are parsed once and a bad one names itself', () => {
  it('defaults: sandbox mode on the embedded database, port 3000, the local URLs', () => {
    const s = loadSettings({});
    expect(plugins.map((p) => [p.name, modeOf(s, p.name)])).toEqual(plugins.map((p) => [p.name, 'sandbox']));
    expect(s).toMatchObject({
      port: 3000,
      production: false,
      databaseUrl: undefined,
      databaseEmbeddedLive: false,
      dataDir: '.data',
      publicBaseUrl: 'http://localhost:3000',
      callbackBaseUrl: 'http://localhost:3000',
      databasePoolSize: 20,
      databasePreparedStatements: true,
      logLevel: 'info',
      rateLimitPerMin: 6000,
      reconcileAfterS: 900,
      reconcilePaceMs: 100,
      warnings: [],
      merchantSuccessUrl: 'http://localhost:3000/sandbox/shop/success',
      merchantFailUrl: 'http://localhost:3000/sandbox/shop/fail',
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_PREPARED_STATEMENTS', 'sometimes'],
    ['DATABASE_EMBEDDED_LIVE', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['RATE_LIMIT_PER_MIN', '-1'],
    ['RECONCILE_AFTER_S', '0'],
    ['RECONCILE_PACE_MS', 'soon'],
    ['RECONCILE_PACE_MS', '1'],
    ['REQUEST_TIMEOUT_MS', '10'],
    ['SHUTDOWN_DRAIN_MS', 'soon'],
    ['SHUTDOWN_TIMEOUT_MS', '0'],
    ['DATABASE_URL', 'mysql://db/payments'],
    ['PUBLIC_BASE_URL', 'ftp://pay.shop.example'],
    ['CALLBACK_BASE_URL', '/relative'],
    ['MERCHANT_SUCCESS_URL', 'javascript:alert(1)'],
    ['MERCHANT_FAIL_URL', 'https://user:pw@shop.example/fail'],
  ])('%s=%s is refused with one line naming it', (name, value) => {
    expectRefused({ [name]: value }, name);
  });

  it('never echoes credentials of a URL it refuses', () => {
    expect(refusal({ PUBLIC_BASE_URL: 'https://user:hunter2secret@pay.shop.example' }).message).not.toContain('hunter2secret');
  });

  it('API keys are at least 16 characters, in every mode', () => {
    expectRefused({ STOREFRONT_API_KEYS: 'sk_store_long_enough_01,short' }, 'STOREFRONT_API_KEYS');
    expectRefused({ OPS_API_KEYS: 'tiny' }, 'OPS_API_KEYS');
    expect(loadSettings({ STOREFRONT_API_KEYS: ' sk_store_long_enough_01 , sk_store_long_enough_02 ' }).storefrontApiKeys).toEqual(['sk_store_long_enough_01', 'sk_store_long_enough_02']);
  });

  it('merchant notifications need a whsec_ secret of at least 16 bytes', () => {
    expectRefused({ MERCHANT_WEBHOOK_URL: 'https://shop.example/hooks' }, 'MERCHANT_WEBHOOK_SECRET', /required/);
    expectRefused({ MERCHANT_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' }, 'MERCHANT_WEBHOOK_SECRET');
    expectRefused({ MERCHANT_WEBHOOK_SECRET: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, 'MERCHANT_WEBHOOK_SECRET');
    expect(loadSettings({ MERCHANT_WEBHOOK_URL: 'http://10.0.0.5/hooks', MERCHANT_WEBHOOK_SECRET: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }).merchantWebhookUrl).toBe('http://10.0.0.5/hooks');
  });
});

describe('settings: DEFAULT_PROVIDER', () => {
  it('defaults to the first registered gateway that is on, and must name one that is on', () => {
    expect(loadSettings({}).defaultProvider).toBe(plugins[0]!.name);
    expectRefused({ DEFAULT_PROVIDER: 'paypal' }, 'DEFAULT_PROVIDER', /a gateway that is on/);
    for (const p of plugins) {
      expect([p.name, loadSettings({ DEFAULT_PROVIDER: p.name }).defaultProvider]).toEqual([p.name, p.name]);
      expect([p.name, loadSettings({ ...LIVE, DEFAULT_PROVIDER: p.name }).defaultProvider]).toEqual([p.name, p.name]);
      expect([p.name, loadSettings(othersOff(p.name)).defaultProvider]).toEqual([p.name, p.name]);
      expectRefused({ ...LIVE, [`${p.settingsPrefix}_MODE`]: 'off', DEFAULT_PROVIDER: p.name }, 'DEFAULT_PROVIDER', /a gateway that is on/);
    }
  });
});

describe('settings: gateway modes', () => {
  it('production without credentials runs no emulator: every gateway is off, so start-up stops with one line', () => {
    const env = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/payments', PUBLIC_BASE_URL: 'https://pay.shop.example' };
    expectRefused(env, modeSettings().join(', '), /no gateway is on/);
    expectRefused(allOff(), modeSettings().join(', '), /no gateway is on/);
    // One gateway on is enough.
    for (const p of plugins) expect([p.name, modeOf(loadSettings(othersOff(p.name)), p.name)]).toEqual([p.name, 'sandbox']);
  });

  it('nothing set, no warning; each gateway an explicit sandbox in production warns about its own', () => {
    expect(loadSettings({}).warnings).toEqual([]);
    for (const p of plugins) {
      const s = loadSettings({ [`${p.settingsPrefix}_MODE`]: 'sandbox', NODE_ENV: 'production' });
      expect([p.name, modeOf(s, p.name)]).toEqual([p.name, 'sandbox']);
      expect(s.warnings.join('\n')).toMatch(new RegExp(`^${p.settingsPrefix}_MODE=sandbox with NODE_ENV=production: .*/sandbox/${p.name}`, 'm'));
    }
  });
});

describe('settings: live mode refuses what would lose money or leak keys', () => {
  it('the reference live deployment is accepted', () => {
    const s = loadSettings(LIVE);
    expect(plugins.map((p) => [p.name, modeOf(s, p.name)])).toEqual(plugins.map((p) => [p.name, 'live']));
    expect(s.merchantSuccessUrl).toBeUndefined();
  });

  it.each(['STOREFRONT_API_KEYS', 'OPS_API_KEYS', 'PUBLIC_BASE_URL'])('%s is required', (name) => {
    expectRefused({ ...LIVE, [name]: undefined }, name, /required in live mode/);
  });

  it('any one gateway live makes the service live', () => {
    for (const p of plugins) {
      const one: Env = { ...LIVE, ...othersOff(p.name) };
      expect([p.name, modeOf(loadSettings(one), p.name)]).toEqual([p.name, 'live']);
      expectRefused({ ...one, STOREFRONT_API_KEYS: undefined }, 'STOREFRONT_API_KEYS', /required in live mode/);
    }
  });

  it('the embedded database only with DATABASE_EMBEDDED_LIVE=true', () => {
    expectRefused({ ...LIVE, DATABASE_URL: undefined }, 'DATABASE_URL', /DATABASE_EMBEDDED_LIVE=true/);
    expect(loadSettings({ ...LIVE, DATABASE_URL: undefined, DATABASE_EMBEDDED_LIVE: 'true' })).toMatchObject({ databaseUrl: undefined, databaseEmbeddedLive: true });
    expect(() => loadSettings({ DATABASE_EMBEDDED_LIVE: 'false' })).not.toThrow();
  });

  it.each([
    ['PUBLIC_BASE_URL', 'http://pay.shop.example'],
    ['CALLBACK_BASE_URL', 'http://lb:8080'],
  ])('%s=%s: not https, and not a loopback host', (name, value) => {
    expectRefused({ ...LIVE, [name]: value }, name, /must be https/);
  });

  it.each([
    ['PUBLIC_BASE_URL', 'http://127.0.0.1:3000'],
    ['CALLBACK_BASE_URL', 'http://[::1]:3000'],
    ['CALLBACK_BASE_URL', 'https://callbacks.shop.example'],
  ])('%s=%s: https or a loopback host (local tests) is taken', (name, value) => {
    expect(() => loadSettings({ ...LIVE, [name]: value })).not.toThrow();
  });

  /** Every key-like value shipped in the repository's examples, by file. */
  function shippedKeys(): Array<[string, string, string]> {
    const out: Array<[string, string, string]> = [];
    for (const file of ['.env.example', 'docker-compose.yml', 'deploy/sandbox.env']) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/^#?\s*([A-Z_]+(?:_KEYS?|_SECRET))=(.*)$/gm)) for (const v of m[2]!.split(',')) if (v.trim()) out.push([file, m[1]!, v.trim()]);
      for (const m of text.matchAll(/\$\{([A-Z_]+(?:_KEYS?|_SECRET)):?-([^}]*)\}/g)) if (m[2]) out.push([file, m[1]!, m[2]]);
    }
    return out;
  }

  it("knows every key the repository's examples ship (so none can drift out of the refusal)", () => {
    const shipped = shippedKeys();
    expect(shipped.length).toBeGreaterThan(4);
    for (const [file, name, value] of shipped) expect([file, name, value, DEMO_KEYS.has(value)]).toEqual([file, name, value, true]);
  });

  it.each(['STOREFRONT_API_KEYS', 'OPS_API_KEYS'])('%s: every demo key is refused', (name) => {
    for (const demo of DEMO_KEYS) {
      if (demo.startsWith('whsec_')) continue;
      expectRefused({ ...LIVE, [name]: demo }, name, /demo value/);
    }
  });

  it('MERCHANT_WEBHOOK_SECRET: the example secret is refused', () => {
    const demo = [...DEMO_KEYS].find((k) => k.startsWith('whsec_'))!;
    expectRefused({ ...LIVE, MERCHANT_WEBHOOK_URL: 'https://shop.example/hooks', MERCHANT_WEBHOOK_SECRET: demo }, 'MERCHANT_WEBHOOK_SECRET', /demo value/);
    expect(loadSettings({ MERCHANT_WEBHOOK_SECRET: demo }).merchantWebhookSecret).toBe(demo);
  });

  it('the compose sandbox demo is a sandbox: its demo keys are fine there', () => {
    const env: Env = { NODE_ENV: 'production' };
    for (const line of readFileSync(join(ROOT, 'deploy/sandbox.env'), 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) env[m[1]!] = m[2];
    }
    const s = loadSettings({ ...env, DATABASE_URL: 'postgres://payments@postgres:5432/payments' });
    expect(plugins.filter((p) => modeOf(s, p.name) === 'live').map((p) => p.name)).toEqual([]);
    expect(plugins.some((p) => modeOf(s, p.name) === 'sandbox')).toBe(true);
    expect(s.callbackBaseUrl).toBe('http://lb:8080');
    // Switched to live with real gateway keys, the demo keys around them are refused.
    const live = { ...allLive(), ...Object.fromEntries(plugins.map((p) => [`${p.settingsPrefix}_MODE`, 'live'])) };
    const { STOREFRONT_API_KEYS: _s, OPS_API_KEYS: _o, DATABASE_URL: _d, PUBLIC_BASE_URL: _p, ...gatewayKeys } = live;
    expectRefused({ ...env, ...gatewayKeys, DATABASE_URL: 'postgres://payments@postgres:5432/payments' }, 'STOREFRONT_API_KEYS', /demo value/);
  });
});

describe('settings: the sandbox keys kept in DATA_DIR', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'settings-spec-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the storefront and ops keys are random per data directory, kept across restarts, readable by the owner only', () => {
    const a = dataDir();
    const first = withDevSecrets(loadSettings({ DATA_DIR: a }));
    const again = withDevSecrets(loadSettings({ DATA_DIR: a }));
    const other = withDevSecrets(loadSettings({ DATA_DIR: dataDir() }));
    expect(first.generated.slice(0, 2)).toEqual(['STOREFRONT_API_KEYS', 'OPS_API_KEYS']);
    expect([again.storefrontApiKeys, again.opsApiKeys]).toEqual([first.storefrontApiKeys, first.opsApiKeys]);
    expect(other.storefrontApiKeys).not.toEqual(first.storefrontApiKeys);
    expect(statSync(join(a, 'dev-keys.json')).mode & 0o777).toBe(0o600);
  });

  it("with one gateway in the sandbox, the storefront keys are generated too, and no other gateway's secrets", () => {
    for (const p of plugins) {
      const s = withDevSecrets(loadSettings({ DATA_DIR: dataDir(), ...othersOff(p.name) }));
      expect([p.name, s.storefrontApiKeys.length, s.opsApiKeys.length]).toEqual([p.name, 1, 1]);
      const others = plugins.filter((q) => q.name !== p.name).map((q) => `${q.settingsPrefix}_`);
      expect([p.name, s.generated.filter((n) => others.some((o) => n.startsWith(o)))]).toEqual([p.name, []]);
    }
  });

  it('never in live mode', () => {
    const d = dataDir();
    const s = withDevSecrets(loadSettings({ ...LIVE, DATA_DIR: d }));
    expect(s.generated).toEqual([]);
    expect(s.storefrontApiKeys).toEqual([LIVE.STOREFRONT_API_KEYS]);
    expect(() => statSync(join(d, 'dev-keys.json'))).toThrow();
  });
});

describe('settings: TRUST_PROXY', () => {
  it.each<[string | undefined, boolean | string[]]>([
    [undefined, false],
    ['false', false],
    ['true', true],
    ['10.0.0.1', ['10.0.0.1']],
    [' 10.0.0.0/8, ::1 ,192.168.1.7', ['10.0.0.0/8', '::1', '192.168.1.7']],
  ])('%s: %j (X-Forwarded-For ignored unless it says so)', (value, expected) => {
    expect(loadSettings({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['maybe', '10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/1'])('%s is refused with one line naming it', (value) => {
    expectRefused({ TRUST_PROXY: value }, 'TRUST_PROXY');
  });
});
