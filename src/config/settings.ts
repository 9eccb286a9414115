import { isIP } from 'node:net';
import { loadRetentionSettings, RetentionSettings } from '../retention/retention.config';
import { UTC_OFFSET_RE } from '../gateways/smartwm/smartwm.mapping';
import { METHOD_CODE_RE, SMARTWM_METHOD_CODES } from '../gateways/smartwm/smartwm.methods';

/** Every setting of CONTRACT.md section 11 (plus additive ones), typed and validated once. */
export type SignaturePayload = '{timestamp}.{body}' | '{body}' | '{timestamp}{body}';
export type SignatureAlgorithm = 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** Each gateway is live (its real API), sandbox (its emulator, mounted in this service) or off (nothing of it). */
export type GatewayMode = 'live' | 'sandbox' | 'off';
export const GATEWAY_MODES: readonly GatewayMode[] = ['live', 'sandbox', 'off'];

export interface Settings {
  port: number;
  /** NODE_ENV=production: no gateway runs its emulator unless its <GATEWAY>_MODE=sandbox says so. */
  production: boolean;
  databaseUrl: string | undefined;
  /** Live mode on the embedded database (single node, data under DATA_DIR) only when this says so. */
  databaseEmbeddedLive: boolean;
  databasePoolSize: number;
  /** Hot statements as named prepared statements (off for a pooler that cannot keep them, such as PgBouncer before 1.21 in transaction mode). */
  databasePreparedStatements: boolean;
  dataDir: string;
  publicBaseUrl: string;
  /** Base of the callback_url given to the gateway; PUBLIC_BASE_URL unless the gateway reaches us another way. */
  callbackBaseUrl: string;
  storefrontApiKeys: string[];
  opsApiKeys: string[];
  eccaex: {
    mode: GatewayMode;
    baseUrl: string;
    apiKey: string;
    webhookSecrets: string[];
    signaturePayload: SignaturePayload;
    signatureAlgorithm: SignatureAlgorithm;
    signatureEncoding: SignatureEncoding;
    signatureToleranceS: number;
    signatureCapture: boolean;
    timeoutMs: number;
  };
  /** SMARTWM_* (the DPAY acquiring platform SmartWM runs). */
  smartwm: SmartwmSettings;
  merchantSuccessUrl: string | undefined;
  merchantFailUrl: string | undefined;
  merchantWebhookUrl: string | undefined;
  merchantWebhookSecret: string | undefined;
  logLevel: LogLevel;
  rateLimitPerMin: number;
  reconcileAfterS: number;
  requestTimeoutMs: number;
  /** After SIGTERM: how long /health/ready answers 503 while requests are still served, so load balancers notice. */
  shutdownDrainMs: number;
  /** After SIGTERM: the whole shutdown's bound; past it the process logs and exits 1. */
  shutdownTimeoutMs: number;
  /** RETENTION_DAYS, RETENTION_BATCH_SIZE (src/retention). */
  retention: RetentionSettings;
  /** Sandbox only: which of the generated dev secrets were generated (printed at start-up). */
  generated: string[];
  /** Said once at start-up, as warnings (settings are read before there is a logger). */
  warnings: string[];
}

export interface SmartwmSettings {
  mode: GatewayMode;
  /** Without the `/api/...` path; the live host has an underscore (acquiring_api.obmenka.ua). */
  baseUrl: string;
  /** DPAY_CLIENT: the cash register's number. */
  clientId: string;
  /** The cash register's signing secret (salt) of DPAY_SECURE; empty in the sandbox until withDevSecrets fills it. */
  secret: string;
  /** Method codes the cash register has enabled, in the order given. */
  paymentMethods: string[];
  timeoutMs: number;
  /** The UTC offset the platform's `Y-m-d H:i:s` times are in (not documented): `Z` or `+03:00`. */
  utcOffset: string;
}

export class SettingsError extends Error {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`Invalid setting ${setting}: ${reason}`);
  }
}

export const ECCAEX_LIVE_BASE_URL = 'https://api.ecca-ex.com/api/v1';
/** The API host SmartWM's own pages name; the underscore is part of it. */
export const SMARTWM_LIVE_BASE_URL = 'https://acquiring_api.obmenka.ua';
/** The sandbox cash register's number when SMARTWM_CLIENT_ID is unset (not a secret). */
export const SMARTWM_SANDBOX_CLIENT_ID = '100001';

/** Live mode: the shortest secret, API key or signing secret taken. */
export const MIN_SECRET_LENGTH = 16;

/**
 * Key values shipped in the repository's examples (.env.example, docker-compose.yml,
 * deploy/sandbox.env). Public, so live mode refuses every one of them.
 */
export const DEMO_KEYS: ReadonlySet<string> = new Set([
  'sk_store_change_me_0001',
  'sk_store_change_me_0002',
  'sk_ops_change_me_000001',
  'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'sk_store_compose_demo_0001',
  'sk_ops_compose_demo_00001',
  'whsk_compose_demo_secret_0001',
]);

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const v = str(env, name);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) throw new SettingsError(name, `expected a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new SettingsError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const v = str(env, name)?.toLowerCase();
  if (v === undefined) return def;
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new SettingsError(name, `expected true or false, got "${v}"`);
}

function oneOf<T extends string>(env: Env, name: string, def: T, allowed: readonly T[]): T {
  const v = str(env, name);
  if (v === undefined) return def;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new SettingsError(name, `expected one of ${allowed.join(', ')}, got "${v}"`);
  }
  return v as T;
}

function list(env: Env, name: string): string[] {
  const v = str(env, name);
  if (v === undefined) return [];
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (item.length < 16) throw new SettingsError(name, 'every key must be at least 16 characters');
  }
  return items;
}

/** Absolute http(s) URL without credentials; the single URL rule of the service. */
export function checkHttpUrl(value: string): string | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'not an absolute URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must use http or https';
  if (u.username || u.password) return 'must not carry credentials';
  if (!u.hostname) return 'has no host';
  return null;
}

function url(env: Env, name: string, def?: string): string | undefined {
  const v = str(env, name) ?? def;
  if (v === undefined) return undefined;
  const problem = checkHttpUrl(v);
  if (problem) throw new SettingsError(name, `${problem} ("${v.replace(/\/\/[^@/]*@/, '//***@')}")`);
  return v.replace(/\/+$/, '');
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || (isIP(h) === 4 && h.startsWith('127.')) || h === '::1';
}

/**
 * Reads the environment once. Secrets that sandbox mode may generate are left empty here and
 * filled by `withDevSecrets` (which touches the disk); a bad value throws SettingsError.
 */
export function loadSettings(env: Env = process.env): Settings {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const production = str(env, 'NODE_ENV') === 'production';
  const warnings: string[] = [];
  const databaseUrl = str(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new SettingsError('DATABASE_URL', 'expected a postgres:// or postgresql:// URL');
  }
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL', `http://localhost:${port}`)!;
  const apiKey = str(env, 'ECCAEX_API_KEY');
  const mode = gatewayMode(env, 'ECCAEX', 'EccaEx', apiKey !== undefined, production, warnings);
  if (mode === 'live' && !apiKey) throw new SettingsError('ECCAEX_API_KEY', 'required when ECCAEX_MODE=live');
  const smartwm = loadSmartwm(env, port, production, warnings);
  const gateways = [
    { setting: 'ECCAEX_MODE', mode },
    { setting: 'SMARTWM_MODE', mode: smartwm.mode },
  ];
  if (gateways.every((g) => g.mode === 'off')) {
    throw new SettingsError(
      gateways.map((g) => g.setting).join(', '),
      `no gateway is on (${production ? 'with NODE_ENV=production a gateway without credentials is off, and no emulator runs unless its mode says sandbox' : 'every mode is off'}): ` +
        'set ECCAEX_API_KEY (or SMARTWM_CLIENT_ID and SMARTWM_SECRET) for live mode, or ECCAEX_MODE=sandbox (SMARTWM_MODE=sandbox) for the emulator',
    );
  }
  const live = gateways.some((g) => g.mode === 'live');
  const sandbox = mode === 'sandbox';
  const storefrontApiKeys = list(env, 'STOREFRONT_API_KEYS');
  const opsApiKeys = list(env, 'OPS_API_KEYS');
  const webhookSecrets = (str(env, 'ECCAEX_WEBHOOK_SECRET') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (live) {
    if (!storefrontApiKeys.length) throw new SettingsError('STOREFRONT_API_KEYS', 'required in live mode');
    if (!opsApiKeys.length) throw new SettingsError('OPS_API_KEYS', 'required in live mode');
  }
  if (mode === 'live' && !webhookSecrets.length) throw new SettingsError('ECCAEX_WEBHOOK_SECRET', 'required in live mode');
  const databaseEmbeddedLive = bool(env, 'DATABASE_EMBEDDED_LIVE', false);
  if (live && !databaseUrl && !databaseEmbeddedLive) {
    throw new SettingsError('DATABASE_URL', 'required in live mode (or set DATABASE_EMBEDDED_LIVE=true to run live on the embedded database: one node, data under DATA_DIR)');
  }
  // The operator's own endpoint: a private or loopback host is allowed (no SSRF rule here; the
  // storefront-supplied success_url / fail_url go through the same absolute-http(s), no-credentials check).
  const merchantWebhookUrl = url(env, 'MERCHANT_WEBHOOK_URL');
  const merchantWebhookSecret = str(env, 'MERCHANT_WEBHOOK_SECRET');
  if (merchantWebhookUrl && !merchantWebhookSecret) {
    throw new SettingsError('MERCHANT_WEBHOOK_SECRET', 'required when MERCHANT_WEBHOOK_URL is set');
  }
  if (merchantWebhookSecret !== undefined) {
    const b64 = merchantWebhookSecret.replace(/^whsec_/, '');
    if (!merchantWebhookSecret.startsWith('whsec_') || !/^[A-Za-z0-9+/]+=*$/.test(b64) || Buffer.from(b64, 'base64').length < 16) {
      throw new SettingsError('MERCHANT_WEBHOOK_SECRET', 'expected whsec_ followed by at least 16 base64-encoded bytes');
    }
  }
  const callbackBaseUrl = url(env, 'CALLBACK_BASE_URL', publicBaseUrl)!;
  const eccaexBaseUrl = url(env, 'ECCAEX_BASE_URL', sandbox ? `http://127.0.0.1:${port}/sandbox/eccaex/api/v1` : ECCAEX_LIVE_BASE_URL)!;
  if (live) {
    if (str(env, 'PUBLIC_BASE_URL') === undefined) {
      throw new SettingsError('PUBLIC_BASE_URL', "required in live mode: the gateway's callbacks and the customers' pages are addressed from it");
    }
    refuseInLive({
      secrets: { STOREFRONT_API_KEYS: storefrontApiKeys, OPS_API_KEYS: opsApiKeys, MERCHANT_WEBHOOK_SECRET: merchantWebhookSecret ? [merchantWebhookSecret] : [] },
      urls: { PUBLIC_BASE_URL: publicBaseUrl, CALLBACK_BASE_URL: callbackBaseUrl },
    });
  }
  if (smartwm.mode === 'live') refuseInLive({ secrets: { SMARTWM_SECRET: [smartwm.secret] }, urls: { SMARTWM_BASE_URL: smartwm.baseUrl } });
  if (mode === 'live') refuseInLive({ secrets: { ECCAEX_API_KEY: apiKey ? [apiKey] : [], ECCAEX_WEBHOOK_SECRET: webhookSecrets }, urls: { ECCAEX_BASE_URL: eccaexBaseUrl } });
  return {
    port,
    production,
    databaseUrl,
    databaseEmbeddedLive,
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    databasePreparedStatements: bool(env, 'DATABASE_PREPARED_STATEMENTS', true),
    dataDir: str(env, 'DATA_DIR') ?? '.data',
    publicBaseUrl,
    callbackBaseUrl,
    storefrontApiKeys,
    opsApiKeys,
    eccaex: {
      mode,
      baseUrl: eccaexBaseUrl,
      // Sandbox without a key of its own: the random one kept with the dev keys (withDevSecrets).
      apiKey: apiKey ?? '',
      webhookSecrets,
      signaturePayload: oneOf(env, 'ECCAEX_SIGNATURE_PAYLOAD', '{timestamp}.{body}', ['{timestamp}.{body}', '{body}', '{timestamp}{body}'] as const),
      signatureAlgorithm: oneOf(env, 'ECCAEX_SIGNATURE_ALGORITHM', 'sha256', ['sha256', 'sha512'] as const),
      signatureEncoding: oneOf(env, 'ECCAEX_SIGNATURE_ENCODING', 'hex', ['hex', 'base64'] as const),
      signatureToleranceS: int(env, 'ECCAEX_SIGNATURE_TOLERANCE_S', 300, 1, 86400),
      signatureCapture: bool(env, 'ECCAEX_SIGNATURE_CAPTURE', false),
      timeoutMs: int(env, 'ECCAEX_TIMEOUT_MS', 10000, 100, 120000),
    },
    smartwm,
    merchantSuccessUrl: url(env, 'MERCHANT_SUCCESS_URL', sandbox ? `${publicBaseUrl}/sandbox/shop/success` : undefined),
    merchantFailUrl: url(env, 'MERCHANT_FAIL_URL', sandbox ? `${publicBaseUrl}/sandbox/shop/fail` : undefined),
    merchantWebhookUrl,
    merchantWebhookSecret,
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    rateLimitPerMin: int(env, 'RATE_LIMIT_PER_MIN', 6000, 0, 10_000_000),
    reconcileAfterS: int(env, 'RECONCILE_AFTER_S', 900, 1, 30 * 86400),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 30000, 1000, 600000),
    shutdownDrainMs: int(env, 'SHUTDOWN_DRAIN_MS', 2000, 0, 300_000),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 25000, 1000, 600_000),
    retention: loadRetentionSettings(env),
    generated: [],
    warnings,
  };
}

/**
 * SMARTWM_*: live when both credentials are set (and then both are required), else the sandbox
 * (off in production). The sandbox's base URL is the emulator this service mounts; its secret,
 * when unset, comes from withDevSecrets.
 */
function loadSmartwm(env: Env, port: number, production: boolean, warnings: string[]): SmartwmSettings {
  const clientId = str(env, 'SMARTWM_CLIENT_ID');
  const secret = str(env, 'SMARTWM_SECRET');
  const mode = gatewayMode(env, 'SMARTWM', 'SmartWM', clientId !== undefined && secret !== undefined, production, warnings);
  if (mode === 'live') {
    if (clientId === undefined) throw new SettingsError('SMARTWM_CLIENT_ID', 'required when SMARTWM_MODE=live');
    if (secret === undefined) throw new SettingsError('SMARTWM_SECRET', 'required when SMARTWM_MODE=live');
  }
  // Sent as a header value: the cash register's number (letters, digits, '-' and '_' tolerated).
  if (clientId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(clientId)) {
    throw new SettingsError('SMARTWM_CLIENT_ID', 'expected the cash register number (1-64 letters, digits, - or _)');
  }
  const baseUrl = url(env, 'SMARTWM_BASE_URL', mode === 'sandbox' ? `http://127.0.0.1:${port}/sandbox/smartwm` : SMARTWM_LIVE_BASE_URL)!;
  const methods = str(env, 'SMARTWM_PAYMENT_METHODS');
  const paymentMethods = methods === undefined ? [...SMARTWM_METHOD_CODES] : [...new Set(methods.split(',').map((m) => m.trim()).filter(Boolean))];
  for (const code of paymentMethods) {
    if (!METHOD_CODE_RE.test(code)) throw new SettingsError('SMARTWM_PAYMENT_METHODS', `"${code.slice(0, 64)}" is not a method code (e.g. visamaster.uah, mpesa-congo.usd)`);
  }
  if (!paymentMethods.length) throw new SettingsError('SMARTWM_PAYMENT_METHODS', 'lists no method code');
  const utcOffset = str(env, 'SMARTWM_UTC_OFFSET') ?? 'Z';
  if (!UTC_OFFSET_RE.test(utcOffset)) throw new SettingsError('SMARTWM_UTC_OFFSET', `expected Z or an offset such as +03:00, got "${utcOffset}"`);
  return {
    mode,
    baseUrl,
    clientId: clientId ?? (mode === 'sandbox' ? SMARTWM_SANDBOX_CLIENT_ID : ''),
    secret: secret ?? '',
    paymentMethods,
    timeoutMs: int(env, 'SMARTWM_TIMEOUT_MS', 10000, 100, 120000),
    utcOffset,
  };
}

/**
 * `<GATEWAY>_MODE`, or when unset: live with credentials; else sandbox, except in production
 * where it is off (an emulator in production only when the mode says so, and then with a warning).
 */
function gatewayMode(env: Env, prefix: string, name: string, hasCredentials: boolean, production: boolean, warnings: string[]): GatewayMode {
  const setting = `${prefix}_MODE`;
  const explicit = str(env, setting);
  if (explicit === undefined) return hasCredentials ? 'live' : production ? 'off' : 'sandbox';
  const mode = oneOf(env, setting, 'off', GATEWAY_MODES);
  if (mode === 'sandbox' && production) {
    warnings.push(
      `${setting}=sandbox with NODE_ENV=production: the ${name} emulator is mounted under /sandbox/${prefix.toLowerCase()} and anyone can mark its invoices paid; never for real money`,
    );
  }
  return mode;
}

/**
 * Live mode refuses what would lose money or leak keys, one setting at a time: a secret, API key
 * or signing secret shorter than MIN_SECRET_LENGTH or shipped in the repository's examples
 * (DEMO_KEYS), and a URL that is not https unless its host is a loopback one (local tests).
 */
function refuseInLive(c: { secrets: Record<string, string[]>; urls: Record<string, string> }): void {
  for (const [name, values] of Object.entries(c.secrets)) {
    for (const v of values) {
      if (DEMO_KEYS.has(v)) throw new SettingsError(name, "a demo value from the repository's examples; live mode needs a real one");
      if (v.length < MIN_SECRET_LENGTH) throw new SettingsError(name, `every value must be at least ${MIN_SECRET_LENGTH} characters in live mode`);
    }
  }
  for (const [name, value] of Object.entries(c.urls)) {
    const u = new URL(value);
    if (u.protocol !== 'https:' && !isLoopbackHost(u.hostname)) throw new SettingsError(name, `must be https in live mode (http only for a loopback host), got ${u.protocol}//${u.host}`);
  }
}
