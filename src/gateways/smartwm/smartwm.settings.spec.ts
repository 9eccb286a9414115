import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDevSecrets } from '../../config/dev-secrets';
import { loadSettings } from '../../config/settings';
import { gatewaySlice } from '../gateway-plugin';
import { gatewayPlugins } from '../gateways.registry';
import { another, Env, expectRefused, LIVE_CORE, liveEnvOf, othersOff } from '../testing/env';
import { SMARTWM_METHOD_CODES } from './smartwm.methods';

/** SmartWM live beside nothing else: every other gateway off, both credentials set. */
const LIVE_SWM: Env = { ...LIVE_CORE, ...othersOff('smartwm'), ...liveEnvOf('smartwm') };

describe('SMARTWM_* settings', () => {
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
    expect(gatewayPlugins().filter((p) => p.name !== 'smartwm').map((p) => gatewaySlice(s, p.name)?.mode)).toEqual(gatewayPlugins().slice(1).map(() => 'off'));
    // One credential alone is not live, and start-up says so (the other one was maybe forgotten).
    const half = loadSettings({ SMARTWM_CLIENT_ID: '48151' });
    expect(half.smartwm.mode).toBe('sandbox');
    expect(half.warnings).toEqual([expect.stringMatching(/^SMARTWM_CLIENT_ID is set without SMARTWM_SECRET: SmartWM is in sandbox mode, not live/)]);
    const halfProd = loadSettings({ NODE_ENV: 'production', SMARTWM_SECRET: LIVE_SWM.SMARTWM_SECRET, [another('smartwm').mode]: 'sandbox' });
    expect(halfProd.smartwm.mode).toBe('off');
    expect(halfProd.warnings.join('\n')).toMatch(/^SMARTWM_SECRET is set without SMARTWM_CLIENT_ID: SmartWM is off, not live/m);
    expect(halfProd.warnings.join('\n')).not.toContain(LIVE_SWM.SMARTWM_SECRET);
    // Said outright, no warning.
    expect(loadSettings({ SMARTWM_CLIENT_ID: '48151', SMARTWM_MODE: 'sandbox' }).warnings).toEqual([]);
    // Production without credentials, beside another gateway in the sandbox: off.
    expect(loadSettings({ NODE_ENV: 'production', [another('smartwm').mode]: 'sandbox' }).smartwm.mode).toBe('off');
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
    // SmartWM live makes the service live: the storefront keys are required as for any gateway.
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

describe('SMARTWM_* settings: the sandbox secret kept in DATA_DIR', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'smartwm-settings-spec-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the SmartWM sandbox secret is random per data directory and kept; a secret set by hand wins', () => {
    const d = dataDir();
    const first = withDevSecrets(loadSettings({ DATA_DIR: d, [another('smartwm').mode]: 'off' }));
    expect(first.smartwm.secret).toMatch(/^swm_[A-Za-z0-9_-]{32}$/);
    expect(withDevSecrets(loadSettings({ DATA_DIR: d })).smartwm.secret).toBe(first.smartwm.secret);
    expect(withDevSecrets(loadSettings({ DATA_DIR: dataDir() })).smartwm.secret).not.toBe(first.smartwm.secret);
    expect(withDevSecrets(loadSettings({ DATA_DIR: d, SMARTWM_SECRET: 'swm_mine_0123456789' })).smartwm.secret).toBe('swm_mine_0123456789');
  });

  it('never in live mode', () => {
    expect(withDevSecrets(loadSettings({ ...LIVE_SWM, DATA_DIR: dataDir() })).smartwm.secret).toBe(LIVE_SWM.SMARTWM_SECRET);
  });
});
