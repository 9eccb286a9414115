import { isIP } from 'node:net';

/** Every setting of CONTRACT.md section 11 (plus additive ones), typed and validated once. */
export type SignaturePayload = '{timestamp}.{body}' | '{body}' | '{timestamp}{body}';
export type SignatureAlgorithm = 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Settings {
  port: number;
  databaseUrl: string | undefined;
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
    mode: 'sandbox' | 'live';
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
  /** Sandbox only: which of the generated dev secrets were generated (printed at start-up). */
  generated: string[];
}

export class SettingsError extends Error {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`Invalid setting ${setting}: ${reason}`);
  }
}

export const SANDBOX_API_KEY = 'sandbox_merchant_key';
export const ECCAEX_LIVE_BASE_URL = 'https://api.ecca-ex.com/api/v1';

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
  const databaseUrl = str(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new SettingsError('DATABASE_URL', 'expected a postgres:// or postgresql:// URL');
  }
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL', `http://localhost:${port}`)!;
  const apiKey = str(env, 'ECCAEX_API_KEY');
  const mode = oneOf(env, 'ECCAEX_MODE', apiKey ? 'live' : 'sandbox', ['sandbox', 'live'] as const);
  if (mode === 'live' && !apiKey) throw new SettingsError('ECCAEX_API_KEY', 'required when ECCAEX_MODE=live');
  const sandbox = mode === 'sandbox';
  const storefrontApiKeys = list(env, 'STOREFRONT_API_KEYS');
  const opsApiKeys = list(env, 'OPS_API_KEYS');
  const webhookSecrets = (str(env, 'ECCAEX_WEBHOOK_SECRET') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!sandbox) {
    if (!storefrontApiKeys.length) throw new SettingsError('STOREFRONT_API_KEYS', 'required in live mode');
    if (!opsApiKeys.length) throw new SettingsError('OPS_API_KEYS', 'required in live mode');
    if (!webhookSecrets.length) throw new SettingsError('ECCAEX_WEBHOOK_SECRET', 'required in live mode');
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
  return {
    port,
    databaseUrl,
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    databasePreparedStatements: bool(env, 'DATABASE_PREPARED_STATEMENTS', true),
    dataDir: str(env, 'DATA_DIR') ?? '.data',
    publicBaseUrl,
    callbackBaseUrl: url(env, 'CALLBACK_BASE_URL', publicBaseUrl)!,
    storefrontApiKeys,
    opsApiKeys,
    eccaex: {
      mode,
      baseUrl: url(env, 'ECCAEX_BASE_URL', sandbox ? `http://127.0.0.1:${port}/sandbox/eccaex/api/v1` : ECCAEX_LIVE_BASE_URL)!,
      apiKey: apiKey ?? SANDBOX_API_KEY,
      webhookSecrets,
      signaturePayload: oneOf(env, 'ECCAEX_SIGNATURE_PAYLOAD', '{timestamp}.{body}', ['{timestamp}.{body}', '{body}', '{timestamp}{body}'] as const),
      signatureAlgorithm: oneOf(env, 'ECCAEX_SIGNATURE_ALGORITHM', 'sha256', ['sha256', 'sha512'] as const),
      signatureEncoding: oneOf(env, 'ECCAEX_SIGNATURE_ENCODING', 'hex', ['hex', 'base64'] as const),
      signatureToleranceS: int(env, 'ECCAEX_SIGNATURE_TOLERANCE_S', 300, 1, 86400),
      signatureCapture: bool(env, 'ECCAEX_SIGNATURE_CAPTURE', false),
      timeoutMs: int(env, 'ECCAEX_TIMEOUT_MS', 10000, 100, 120000),
    },
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
    generated: [],
  };
}
