import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withDevSecrets } from './dev-secrets';
import { gatewayPlugins } from '../gateways/gateways.registry';
import { SMARTWM_METHOD_CODES } from '../gateways/smartwm/smartwm.methods';
import { DEMO_KEYS, loadSettings, Settings, SettingsError } from './settings';

type Env = Record<string, string | undefined>;

const ROOT = resolve(__dirname, '../..');

/** A live deployment that passes every rule; each test breaks one thing. */
const LIVE: Env = {
  ECCAEX_API_KEY: 'ek_live_0123456789abcdef',
  ECCAEX_WEBHOOK_SECRET: 'whsk_live_0123456789abcdef',
  STOREFRONT_API_KEYS: 'sk_store_live_0123456789',
  OPS_API_KEYS: 'sk_ops_live_0123456789ab',
  DATABASE_URL: 'postgres://payments@db.internal:5432/payments',
  PUBLIC_BASE_URL: 'https://pay.shop.example',
  CRYPTOSTEROID_API_KEY: 'cs_live_0123456789abcdef',
  CRYPTOSTEROID_MERCHANT_ID: '6f1c2a9e-4b7d-4c1e-9a3f-2d8e5b7c9a01',
  // Unset, SmartWM would run its emulator beside a live EccaEx (not production): the reference deployment has it off.
  SMARTWM_MODE: 'off',
};

/** The SettingsError loadSettings throws for `env` (fails the test when it does not throw). */
function refusal(env: Env): SettingsError {
  try {
    loadSettings(env);
  } catch (err) {
    if (err instanceof SettingsError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

/** Refused with one line naming `setting`, and without echoing any secret value of `env`. */
function expectRefused(env: Env, setting: string, reason?: RegExp): void {
  const err = refusal(env);
  expect(err.message).toMatch(new RegExp(`^Invalid setting ${setting}: `));
  expect(err.message).not.toContain('\n');
  if (reason) expect(err.message).toMatch(reason);
  for (const [name, value] of Object.entries(env)) {
    if (/KEY|SECRET/.test(name) && value && value.length >= 8) expect([name, err.message.includes(value)]).toEqual([name, false]);
  }
}

describe('settings: values are parsed once and a bad one names itself', () => {
  it('defaults: sandbox mode on the embedded database, port 3000, the local URLs', () => {
    const s = loadSettings({});
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
      warnings: [],
      eccaex: {
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
      },
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
    ['ECCAEX_SIGNATURE_PAYLOAD', '{body}.{timestamp}'],
    ['ECCAEX_SIGNATURE_ALGORITHM', 'md5'],
    ['ECCAEX_SIGNATURE_ENCODING', 'base32'],
    ['ECCAEX_SIGNATURE_TOLERANCE_S', '0'],
    ['ECCAEX_SIGNATURE_CAPTURE', 'on'],
    ['ECCAEX_TIMEOUT_MS', '50'],
    ['ECCAEX_MODE', 'production'],
    ['LOG_LEVEL', 'loud'],
    ['RATE_LIMIT_PER_MIN', '-1'],
    ['RECONCILE_AFTER_S', '0'],
    ['REQUEST_TIMEOUT_MS', '10'],
    ['SHUTDOWN_DRAIN_MS', 'soon'],
    ['SHUTDOWN_TIMEOUT_MS', '0'],
    ['DATABASE_URL', 'mysql://db/payments'],
    ['PUBLIC_BASE_URL', 'ftp://pay.shop.example'],
    ['CALLBACK_BASE_URL', '/relative'],
    ['ECCAEX_BASE_URL', 'not a url'],
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
    expect(loadSettings({}).defaultProvider).toBe(gatewayPlugins()[0]!.name);
    expect(loadSettings({ DEFAULT_PROVIDER: 'eccaex' }).defaultProvider).toBe('eccaex');
    expectRefused({ DEFAULT_PROVIDER: 'paypal' }, 'DEFAULT_PROVIDER', /a gateway that is on/);
    expectRefused({ ...LIVE, DEFAULT_PROVIDER: 'smartwm' }, 'DEFAULT_PROVIDER', /a gateway that is on/);
    expect(loadSettings({ ...LIVE, DEFAULT_PROVIDER: 'cryptosteroid' }).defaultProvider).toBe('cryptosteroid');
  });
});

describe('settings: gateway modes', () => {
  it.each<[string, Env, Settings['eccaex']['mode']]>([
    ['nothing set: the sandbox', {}, 'sandbox'],
    ['an API key: live', LIVE, 'live'],
    ['an API key in production: live', { ...LIVE, NODE_ENV: 'production' }, 'live'],
    ['ECCAEX_MODE=sandbox with an API key: the sandbox, with that key', { ECCAEX_MODE: 'sandbox', ECCAEX_API_KEY: 'sbx_own_key_0123456789' }, 'sandbox'],
    ['ECCAEX_MODE=sandbox in production: the sandbox', { ECCAEX_MODE: 'sandbox', NODE_ENV: 'production' }, 'sandbox'],
    ['NODE_ENV=development without a key: the sandbox', { NODE_ENV: 'development' }, 'sandbox'],
  ])('%s', (_name, env, mode) => {
    expect(loadSettings(env).eccaex.mode).toBe(mode);
  });

  it('production without credentials runs no emulator: every gateway is off, so start-up stops with one line', () => {
    const env = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/payments', PUBLIC_BASE_URL: 'https://pay.shop.example' };
    expectRefused(env, 'ECCAEX_MODE, CRYPTOSTEROID_MODE, SMARTWM_MODE', /no gateway is on/);
    expectRefused({ ECCAEX_MODE: 'off', CRYPTOSTEROID_MODE: 'off', SMARTWM_MODE: 'off' }, 'ECCAEX_MODE, CRYPTOSTEROID_MODE, SMARTWM_MODE', /no gateway is on/);
    // One gateway on is enough.
    expect(loadSettings({ ECCAEX_MODE: 'off', SMARTWM_MODE: 'off' }).cryptosteroid.mode).toBe('sandbox');
    expect(loadSettings({ ECCAEX_MODE: 'off', CRYPTOSTEROID_MODE: 'off' }).smartwm.mode).toBe('sandbox');
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

describe('settings: live mode refuses what would lose money or leak keys', () => {
  it('the reference live deployment is accepted', () => {
    const s = loadSettings(LIVE);
    expect(s.eccaex).toMatchObject({ mode: 'live', baseUrl: 'https://api.ecca-ex.com/api/v1', apiKey: LIVE.ECCAEX_API_KEY });
    expect(s.cryptosteroid).toMatchObject({ mode: 'live', baseUrl: 'https://api.cryptosteroid.com', apiKey: LIVE.CRYPTOSTEROID_API_KEY });
    expect(s.merchantSuccessUrl).toBeUndefined();
  });

  it.each(['STOREFRONT_API_KEYS', 'OPS_API_KEYS', 'ECCAEX_WEBHOOK_SECRET', 'PUBLIC_BASE_URL'])('%s is required', (name) => {
    expectRefused({ ...LIVE, [name]: undefined }, name, /required in live mode/);
  });

  it('the embedded database only with DATABASE_EMBEDDED_LIVE=true', () => {
    expectRefused({ ...LIVE, DATABASE_URL: undefined }, 'DATABASE_URL', /DATABASE_EMBEDDED_LIVE=true/);
    expect(loadSettings({ ...LIVE, DATABASE_URL: undefined, DATABASE_EMBEDDED_LIVE: 'true' })).toMatchObject({ databaseUrl: undefined, databaseEmbeddedLive: true });
    expect(loadSettings({ DATABASE_EMBEDDED_LIVE: 'false' }).eccaex.mode).toBe('sandbox');
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

  it.each([
    ['ECCAEX_BASE_URL', 'http://api.ecca-ex.com/api/v1'],
    ['ECCAEX_BASE_URL', 'http://10.0.0.7:8080/api/v1'],
    ['PUBLIC_BASE_URL', 'http://pay.shop.example'],
    ['CALLBACK_BASE_URL', 'http://lb:8080'],
  ])('%s=%s: not https, and not a loopback host', (name, value) => {
    expectRefused({ ...LIVE, [name]: value }, name, /must be https/);
  });

  it.each([
    ['ECCAEX_BASE_URL', 'http://127.0.0.1:4010/api/v1'],
    ['ECCAEX_BASE_URL', 'http://localhost:4010/api/v1'],
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

  it.each(['STOREFRONT_API_KEYS', 'OPS_API_KEYS', 'ECCAEX_WEBHOOK_SECRET', 'ECCAEX_API_KEY'])('%s: every demo key is refused', (name) => {
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
    expect(s.eccaex.mode).toBe('sandbox');
    expect(s.callbackBaseUrl).toBe('http://lb:8080');
    // Switched to live with a real gateway key, the demo keys around it are refused.
    expectRefused({ ...env, ECCAEX_MODE: 'live', ECCAEX_API_KEY: 'ek_live_0123456789abcdef', DATABASE_URL: 'postgres://payments@postgres:5432/payments' }, 'STOREFRONT_API_KEYS', /demo value/);
  });
});

/** SmartWM live beside nothing else: EccaEx off, both credentials set. */
const LIVE_SWM: Env = {
  ...LIVE,
  ECCAEX_API_KEY: undefined,
  ECCAEX_WEBHOOK_SECRET: undefined,
  ECCAEX_MODE: 'off',
  SMARTWM_MODE: undefined,
  SMARTWM_CLIENT_ID: '48151',
  SMARTWM_SECRET: 'swm_live_secret_0123456789',
};

describe('settings: SMARTWM_*', () => {
  it('defaults: the sandbox, the emulator this service mounts, every documented method, 10 s', () => {
    const s = loadSettings({});
    expect(s.smartwm).toEqual({
      mode: 'sandbox',
      baseUrl: 'http://127.0.0.1:3000/sandbox/smartwm',
      clientId: '100001',
      secret: '',
      paymentMethods: [...SMARTWM_METHOD_CODES],
      timeoutMs: 10000,
      utcOffset: 'Z',
    });
    expect(s.smartwm.paymentMethods).toContain('visamaster.uah');
    expect(s.smartwm.paymentMethods).toContain('mpesa-congo.usd');
  });

  it('both credentials: live, on the documented host with its underscore', () => {
    const s = loadSettings(LIVE_SWM);
    expect(s.smartwm).toMatchObject({ mode: 'live', baseUrl: 'https://acquiring_api.obmenka.ua', clientId: '48151', secret: LIVE_SWM.SMARTWM_SECRET });
    expect(s.eccaex.mode).toBe('off');
    // One credential alone is not live.
    expect(loadSettings({ SMARTWM_CLIENT_ID: '48151' }).smartwm.mode).toBe('sandbox');
    expect(loadSettings({ NODE_ENV: 'production', ECCAEX_MODE: 'sandbox' }).smartwm.mode).toBe('off');
  });

  it('SMARTWM_PAYMENT_METHODS: comma-separated codes, trimmed, duplicates dropped; a code outside the documented list is taken by its shape', () => {
    const s = loadSettings({ SMARTWM_PAYMENT_METHODS: ' visamaster.uah , mpesa-congo.usd,visamaster.uah,newrail-kenya.kes ' });
    expect(s.smartwm.paymentMethods).toEqual(['visamaster.uah', 'mpesa-congo.usd', 'newrail-kenya.kes']);
  });

  it.each([
    ['SMARTWM_MODE', 'on'],
    ['SMARTWM_BASE_URL', 'acquiring_api.obmenka.ua'],
    ['SMARTWM_BASE_URL', 'ftp://acquiring_api.obmenka.ua'],
    ['SMARTWM_CLIENT_ID', '48 151'],
    ['SMARTWM_PAYMENT_METHODS', 'visamaster.uah,Visa Master'],
    ['SMARTWM_PAYMENT_METHODS', ','],
    ['SMARTWM_TIMEOUT_MS', '50'],
    ['SMARTWM_TIMEOUT_MS', 'ten'],
    ['SMARTWM_UTC_OFFSET', 'Europe/Kyiv'],
  ])('%s=%s is refused with one line naming it', (name, value) => {
    expectRefused({ [name]: value }, name);
  });

  it('live needs both credentials, a secret of 16 characters that is no demo value, and https (or loopback)', () => {
    expectRefused({ ...LIVE_SWM, SMARTWM_MODE: 'live', SMARTWM_CLIENT_ID: undefined }, 'SMARTWM_CLIENT_ID', /required/);
    expectRefused({ ...LIVE_SWM, SMARTWM_MODE: 'live', SMARTWM_SECRET: undefined }, 'SMARTWM_SECRET', /required/);
    expectRefused({ ...LIVE_SWM, SMARTWM_SECRET: 'short_secret' }, 'SMARTWM_SECRET', /at least 16 characters/);
    expectRefused({ ...LIVE_SWM, SMARTWM_SECRET: 'sk_store_change_me_0001' }, 'SMARTWM_SECRET', /demo value/);
    expectRefused({ ...LIVE_SWM, SMARTWM_BASE_URL: 'http://acquiring_api.obmenka.ua' }, 'SMARTWM_BASE_URL', /must be https/);
    expect(loadSettings({ ...LIVE_SWM, SMARTWM_BASE_URL: 'http://127.0.0.1:4020' }).smartwm.baseUrl).toBe('http://127.0.0.1:4020');
    // SmartWM live makes the service live: the storefront keys are required as for EccaEx.
    expectRefused({ ...LIVE_SWM, STOREFRONT_API_KEYS: undefined }, 'STOREFRONT_API_KEYS', /required in live mode/);
  });

  it('a short secret and an http URL stay allowed in the sandbox', () => {
    expect(loadSettings({ SMARTWM_MODE: 'sandbox', SMARTWM_SECRET: 'x', SMARTWM_BASE_URL: 'http://sandbox.local:8080/sandbox/smartwm' }).smartwm).toMatchObject({
      mode: 'sandbox',
      secret: 'x',
      baseUrl: 'http://sandbox.local:8080/sandbox/smartwm',
    });
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

  it('the SmartWM sandbox secret is random per data directory and kept; a secret set by hand wins', () => {
    const d = dataDir();
    const first = withDevSecrets(loadSettings({ DATA_DIR: d, ECCAEX_MODE: 'off' }));
    expect(first.smartwm.secret).toMatch(/^swm_[A-Za-z0-9_-]{32}$/);
    expect(withDevSecrets(loadSettings({ DATA_DIR: d })).smartwm.secret).toBe(first.smartwm.secret);
    expect(withDevSecrets(loadSettings({ DATA_DIR: dataDir() })).smartwm.secret).not.toBe(first.smartwm.secret);
    expect(withDevSecrets(loadSettings({ DATA_DIR: d, SMARTWM_SECRET: 'swm_mine_0123456789' })).smartwm.secret).toBe('swm_mine_0123456789');
    expect(first.eccaex.apiKey).toBe('');
  });

  it('never in live mode', () => {
    const d = dataDir();
    const s = withDevSecrets(loadSettings({ ...LIVE, DATA_DIR: d }));
    expect(s.eccaex.apiKey).toBe(LIVE.ECCAEX_API_KEY);
    expect(s.cryptosteroid.apiKey).toBe(LIVE.CRYPTOSTEROID_API_KEY);
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
