import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDevSecrets } from '../../config/dev-secrets';
import { DEMO_KEYS, loadSettings } from '../../config/settings';
import { gatewaySlice } from '../gateway-plugin';
import { gatewayPlugins } from '../gateways.registry';
import { allLive, another, Env, expectRefused, LIVE_CORE, liveEnvOf, othersOff } from '../testing/env';

const OWN = liveEnvOf('cryptosteroid');
const MERCHANT = OWN.CRYPTOSTEROID_MERCHANT_ID!;
const KEY = OWN.CRYPTOSTEROID_API_KEY!;

/** Every registered gateway live, every rule passed; each test breaks one thing. */
const LIVE: Env = allLive();
/** CryptoSteroid live, every other gateway off. */
const CS_ONLY: Env = { ...LIVE_CORE, ...othersOff('cryptosteroid'), ...OWN };
/** Another gateway in the sandbox (for the cases where CryptoSteroid is off, so the service still has one on). */
const OTHER_SANDBOX: Env = { [another('cryptosteroid').mode]: 'sandbox' };

describe('CRYPTOSTEROID_* settings', () => {
  it('defaults (nothing set): the sandbox at its own mount on this service, buyer pays the fee, 10 s per request, any source', () => {
    expect(loadSettings({ PORT: '3100' }).cryptosteroid).toEqual({
      mode: 'sandbox',
      baseUrl: 'http://127.0.0.1:3100/sandbox/cryptosteroid',
      apiKey: '',
      merchantId: '',
      allowedIps: [],
      whoPaysCommission: 'buyer',
      timeoutMs: 10_000,
    });
  });

  it('credentials set: live at the provider host, no version prefix', () => {
    expect(loadSettings(LIVE).cryptosteroid).toEqual({
      mode: 'live',
      baseUrl: 'https://api.cryptosteroid.com',
      apiKey: KEY,
      merchantId: MERCHANT,
      allowedIps: [],
      whoPaysCommission: 'buyer',
      timeoutMs: 10_000,
    });
  });

  it.each<[string, Env, string]>([
    ['production without credentials: off', { ...OTHER_SANDBOX, NODE_ENV: 'production' }, 'off'],
    ['production with credentials: live', { ...LIVE, NODE_ENV: 'production' }, 'live'],
    ['explicit off beside the other gateways live', { ...LIVE, CRYPTOSTEROID_MODE: 'off', CRYPTOSTEROID_API_KEY: undefined, CRYPTOSTEROID_MERCHANT_ID: undefined }, 'off'],
    ['explicit sandbox with credentials: the sandbox', { CRYPTOSTEROID_MODE: 'sandbox', CRYPTOSTEROID_API_KEY: 'cs_sbx_mine_0123', CRYPTOSTEROID_MERCHANT_ID: MERCHANT }, 'sandbox'],
  ])('%s', (_name, env, mode) => {
    expect(loadSettings(env).cryptosteroid.mode).toBe(mode);
  });

  it('an explicit sandbox in production runs and says so', () => {
    const s = loadSettings({ CRYPTOSTEROID_MODE: 'sandbox', NODE_ENV: 'production' });
    expect(s.cryptosteroid.mode).toBe('sandbox');
    expect(s.warnings.join('\n')).toMatch(/^CRYPTOSTEROID_MODE=sandbox with NODE_ENV=production: .*\/sandbox\/cryptosteroid/m);
  });

  it('CryptoSteroid alone is enough to start (every other gateway off)', () => {
    const s = loadSettings(CS_ONLY);
    expect(s.cryptosteroid.mode).toBe('live');
    expect(gatewayPlugins().filter((p) => p.name !== 'cryptosteroid').map((p) => gatewaySlice(s, p.name)?.mode)).toEqual(gatewayPlugins().slice(1).map(() => 'off'));
  });

  it.each<[string, Env, string, RegExp]>([
    ['mode not one of three', { CRYPTOSTEROID_MODE: 'test' }, 'CRYPTOSTEROID_MODE', /expected one of live, sandbox, off/],
    ['live without a key', { ...LIVE, CRYPTOSTEROID_API_KEY: undefined }, 'CRYPTOSTEROID_API_KEY', /required/],
    ['live without the merchant', { ...LIVE, CRYPTOSTEROID_MERCHANT_ID: undefined }, 'CRYPTOSTEROID_MERCHANT_ID', /required/],
    ['explicit live without anything', { ...LIVE, CRYPTOSTEROID_MODE: 'live', CRYPTOSTEROID_API_KEY: undefined, CRYPTOSTEROID_MERCHANT_ID: undefined }, 'CRYPTOSTEROID_API_KEY', /required/],
    ['a merchant that is not a UUID', { ...LIVE, CRYPTOSTEROID_MERCHANT_ID: 'merchant-1' }, 'CRYPTOSTEROID_MERCHANT_ID', /UUID/],
    ['a base URL that is not one', { CRYPTOSTEROID_BASE_URL: 'api.cryptosteroid.com' }, 'CRYPTOSTEROID_BASE_URL', /absolute URL/],
    ['a base URL with credentials', { CRYPTOSTEROID_BASE_URL: 'https://u:p@api.cryptosteroid.com' }, 'CRYPTOSTEROID_BASE_URL', /credentials/],
    ['a base URL with a query', { CRYPTOSTEROID_BASE_URL: 'https://api.cryptosteroid.com/?x=1' }, 'CRYPTOSTEROID_BASE_URL', /query/],
    ['a timeout below 100 ms', { CRYPTOSTEROID_TIMEOUT_MS: '50' }, 'CRYPTOSTEROID_TIMEOUT_MS', /between 100 and 120000/],
    ['a timeout that is not a number', { CRYPTOSTEROID_TIMEOUT_MS: '10s' }, 'CRYPTOSTEROID_TIMEOUT_MS', /whole number/],
    ['who pays: neither buyer nor seller', { CRYPTOSTEROID_WHO_PAYS_COMMISSION: 'merchant' }, 'CRYPTOSTEROID_WHO_PAYS_COMMISSION', /buyer, seller/],
    ['an allowed IP that is not one', { CRYPTOSTEROID_ALLOWED_IPS: '82.117.255.226,provider.example' }, 'CRYPTOSTEROID_ALLOWED_IPS', /not an IP address/],
    ['an allowed block with a bad prefix', { CRYPTOSTEROID_ALLOWED_IPS: '82.117.255.0/33' }, 'CRYPTOSTEROID_ALLOWED_IPS', /prefix/],
  ])('%s: refused, naming the setting', (_name, env, setting, reason) => {
    expectRefused(env, setting, reason);
  });

  it('reads the allow-list (IPs and CIDR blocks), who pays and the timeout', () => {
    const s = loadSettings({ CRYPTOSTEROID_ALLOWED_IPS: ' 82.117.255.226 , 10.0.0.0/8,::1 ', CRYPTOSTEROID_WHO_PAYS_COMMISSION: 'seller', CRYPTOSTEROID_TIMEOUT_MS: '2500' }).cryptosteroid;
    expect(s).toMatchObject({ allowedIps: ['82.117.255.226', '10.0.0.0/8', '::1'], whoPaysCommission: 'seller', timeoutMs: 2500 });
  });

  describe('live mode refuses what would lose money or leak keys', () => {
    it('an API key shorter than 16 characters', () => {
      expectRefused({ ...LIVE, CRYPTOSTEROID_API_KEY: 'cs_live_012345' }, 'CRYPTOSTEROID_API_KEY', /at least 16 characters/);
    });

    it('a demo key from the examples', () => {
      for (const demo of DEMO_KEYS) expectRefused({ ...LIVE, CRYPTOSTEROID_API_KEY: demo }, 'CRYPTOSTEROID_API_KEY', demo.length < 16 ? /16/ : /demo value/);
    });

    it.each(['http://api.cryptosteroid.com', 'http://10.0.0.7:8080'])('a base URL that is not https: %s', (value) => {
      expectRefused({ ...LIVE, CRYPTOSTEROID_BASE_URL: value }, 'CRYPTOSTEROID_BASE_URL', /must be https/);
    });

    it.each(['http://127.0.0.1:4010/sandbox/cryptosteroid', 'http://localhost:4010'])('a loopback base URL is taken (local tests): %s', (value) => {
      expect(loadSettings({ ...LIVE, CRYPTOSTEROID_BASE_URL: value }).cryptosteroid.baseUrl).toBe(value);
    });

    it('the sandbox takes a short key of its own and plain http', () => {
      const s = loadSettings({ CRYPTOSTEROID_MODE: 'sandbox', CRYPTOSTEROID_API_KEY: 'short', CRYPTOSTEROID_BASE_URL: 'http://cs-sandbox:4010' }).cryptosteroid;
      expect(s).toMatchObject({ apiKey: 'short', baseUrl: 'http://cs-sandbox:4010' });
    });

    it('a live CryptoSteroid makes the service live: storefront keys and an https PUBLIC_BASE_URL are required', () => {
      const csOnly = CS_ONLY;
      expectRefused({ ...csOnly, STOREFRONT_API_KEYS: undefined }, 'STOREFRONT_API_KEYS', /required in live mode/);
      expectRefused({ ...csOnly, PUBLIC_BASE_URL: 'http://pay.shop.example' }, 'PUBLIC_BASE_URL', /must be https/);
    });
  });

  describe('sandbox credentials kept in DATA_DIR', () => {
    const dirs: string[] = [];
    afterAll(() => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
    const dataDir = () => {
      const d = mkdtempSync(join(tmpdir(), 'cs-config-spec-'));
      dirs.push(d);
      return d;
    };

    it('a random merchant UUID and key per data directory, the same after a restart', () => {
      const d = dataDir();
      const first = withDevSecrets(loadSettings({ DATA_DIR: d })).cryptosteroid;
      const again = withDevSecrets(loadSettings({ DATA_DIR: d })).cryptosteroid;
      const other = withDevSecrets(loadSettings({ DATA_DIR: dataDir() })).cryptosteroid;
      expect(first.merchantId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(first.apiKey).toMatch(/^cs_sbx_[A-Za-z0-9_-]{32}$/);
      expect(again).toEqual(first);
      expect(other.apiKey).not.toBe(first.apiKey);
      expect(other.merchantId).not.toBe(first.merchantId);
      const kept = JSON.parse(readFileSync(join(d, 'dev-keys.json'), 'utf8')) as Record<string, string>;
      expect([kept.csSandboxMerchantId, kept.csSandboxApiKey]).toEqual([first.merchantId, first.apiKey]);
    });

    it("with only CryptoSteroid in the sandbox (every other gateway off), the storefront keys are generated too; the other gateways' are not", () => {
      const s = withDevSecrets(loadSettings({ DATA_DIR: dataDir(), ...othersOff('cryptosteroid') }));
      expect(s.storefrontApiKeys).toHaveLength(1);
      expect(s.generated).toEqual(['STOREFRONT_API_KEYS', 'OPS_API_KEYS']);
      expect(s.cryptosteroid.apiKey).toMatch(/^cs_sbx_/);
    });

    it('keys set by hand for the sandbox are kept; never in live mode', () => {
      const s = withDevSecrets(loadSettings({ DATA_DIR: dataDir(), CRYPTOSTEROID_MODE: 'sandbox', CRYPTOSTEROID_API_KEY: 'cs_sbx_mine_0123', CRYPTOSTEROID_MERCHANT_ID: MERCHANT }));
      expect(s.cryptosteroid).toMatchObject({ apiKey: 'cs_sbx_mine_0123', merchantId: MERCHANT });
      const live = withDevSecrets(loadSettings({ ...LIVE, DATA_DIR: dataDir() }));
      expect(live.cryptosteroid).toMatchObject({ apiKey: KEY, merchantId: MERCHANT });
    });
  });
});
