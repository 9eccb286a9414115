import { loadRetentionSettings, RetentionSettings } from '../retention/retention.config';
import { gatewayPlugins, GatewaySettingsSlices } from '../gateways/gateways.registry';
import { isIP } from 'node:net';
import { bool, Env, gatewayMode, GatewayMode, int, list, oneOf, refuseInLive, SettingsError, str, url } from './env';

export { checkHttpUrl, DEMO_KEYS, GATEWAY_MODES, isLoopbackHost, MIN_SECRET_LENGTH, SettingsError } from './env';
export type { GatewayMode } from './env';

/** Every setting of the service (docs/settings.md), typed and validated once; each gateway's own settings are its slice (`settings.<gateway>`). */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Settings extends GatewaySettingsSlices {
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
  /**
   * TRUST_PROXY, as Fastify's trustProxy: false (default: the caller's address is the socket's,
   * X-Forwarded-For is ignored), true (any hop), or the proxy addresses / CIDR blocks to believe.
   */
  trustProxy: boolean | string[];
  /** DEFAULT_PROVIDER: the gateway of orders that name none (default: the first registered gateway that is on). */
  defaultProvider: string;

  merchantSuccessUrl: string | undefined;
  merchantFailUrl: string | undefined;
  merchantWebhookUrl: string | undefined;
  merchantWebhookSecret: string | undefined;
  logLevel: LogLevel;
  rateLimitPerMin: number;
  reconcileAfterS: number;
  /** Least time between two gateway reads of the reconciliation sweep (a backlog never floods a gateway). */
  reconcilePaceMs: number;
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
  const gateways = gatewayPlugins().map((p) => ({
    plugin: p,
    setting: `${p.settingsPrefix}_MODE`,
    mode: gatewayMode(env, p.settingsPrefix, p.label, p.hasCredentials(env), production, warnings),
  }));
  if (gateways.every((g) => g.mode === 'off')) {
    throw new SettingsError(
      gateways.map((g) => g.setting).join(', '),
      `no gateway is on (${production ? 'with NODE_ENV=production a gateway without credentials is off, and no emulator runs unless its mode says sandbox' : 'every mode is off'}): ` +
        `set a gateway's credentials for live mode, or ${gateways.map((g) => `${g.setting}=sandbox`).join(' / ')} for its emulator`,
    );
  }
  const live = gateways.some((g) => g.mode === 'live');
  const sandbox = gateways.some((g) => g.mode === 'sandbox');
  const storefrontApiKeys = list(env, 'STOREFRONT_API_KEYS');
  const opsApiKeys = list(env, 'OPS_API_KEYS');
  if (live) {
    if (!storefrontApiKeys.length) throw new SettingsError('STOREFRONT_API_KEYS', 'required in live mode');
    if (!opsApiKeys.length) throw new SettingsError('OPS_API_KEYS', 'required in live mode');
  }
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
  if (live) {
    if (str(env, 'PUBLIC_BASE_URL') === undefined) {
      throw new SettingsError('PUBLIC_BASE_URL', "required in live mode: the gateway's callbacks and the customers' pages are addressed from it");
    }
    refuseInLive({
      secrets: { STOREFRONT_API_KEYS: storefrontApiKeys, OPS_API_KEYS: opsApiKeys, MERCHANT_WEBHOOK_SECRET: merchantWebhookSecret ? [merchantWebhookSecret] : [] },
      urls: { PUBLIC_BASE_URL: publicBaseUrl, CALLBACK_BASE_URL: callbackBaseUrl },
    });
  }
  // Each gateway's own slice, after the service's own rules (its live refusals name its settings).
  const slices: Record<string, unknown> = {};
  for (const g of gateways) slices[g.plugin.name] = g.plugin.loadSettings({ env, port, production, mode: g.mode, warnings });
  const on = gateways.filter((g) => g.mode !== 'off').map((g) => g.plugin.name);
  const defaultProvider = str(env, 'DEFAULT_PROVIDER') ?? on[0]!;
  if (!on.includes(defaultProvider)) {
    throw new SettingsError('DEFAULT_PROVIDER', `expected a gateway that is on (${on.join(', ')}), got "${defaultProvider}"`);
  }
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
    trustProxy: trustProxy(env),
    ...(slices as unknown as GatewaySettingsSlices),
    defaultProvider,
    merchantSuccessUrl: url(env, 'MERCHANT_SUCCESS_URL', sandbox ? `${publicBaseUrl}/sandbox/shop/success` : undefined),
    merchantFailUrl: url(env, 'MERCHANT_FAIL_URL', sandbox ? `${publicBaseUrl}/sandbox/shop/fail` : undefined),
    merchantWebhookUrl,
    merchantWebhookSecret,
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    rateLimitPerMin: int(env, 'RATE_LIMIT_PER_MIN', 6000, 0, 10_000_000),
    reconcileAfterS: int(env, 'RECONCILE_AFTER_S', 900, 1, 30 * 86400),
    reconcilePaceMs: int(env, 'RECONCILE_PACE_MS', 100, 10, 60_000),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 30000, 1000, 600000),
    shutdownDrainMs: int(env, 'SHUTDOWN_DRAIN_MS', 2000, 0, 300_000),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 25000, 1000, 600_000),
    retention: loadRetentionSettings(env),
    generated: [],
    warnings,
  };
}

/** TRUST_PROXY: `true` / `false`, or comma-separated proxy addresses (IPs or CIDR blocks). */
function trustProxy(env: Env): boolean | string[] {
  const name = 'TRUST_PROXY';
  const v = str(env, name);
  if (v === undefined) return false;
  if (['true', 'false', '1', '0', 'yes', 'no'].includes(v.toLowerCase())) return bool(env, name, false);
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    const [addr = '', bits, ...rest] = item.split('/');
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    if (!family || rest.length || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max))) {
      throw new SettingsError(name, `expected true, false or proxy addresses (IPs or CIDR blocks), got "${item}"`);
    }
  }
  return items;
}
