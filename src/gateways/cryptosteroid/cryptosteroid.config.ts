import { gatewayMode, GatewayMode, refuseInLive, SettingsError } from '../../config/settings';
import { IpAllowList } from './cryptosteroid.callbacks';
import { CS_WHO_PAYS_COMMISSION, CsWhoPaysCommission } from './cryptosteroid.types';

/** The CRYPTOSTEROID_* settings (CONTRACT section 11), validated at start-up with the rest. */
export interface CryptosteroidSettings {
  /** CRYPTOSTEROID_MODE: live (the provider), sandbox (the emulator under /sandbox/cryptosteroid) or off. */
  mode: GatewayMode;
  /** CRYPTOSTEROID_BASE_URL: the host, no version prefix; paths /merchants/{merchant}/... go after it. */
  baseUrl: string;
  /** CRYPTOSTEROID_API_KEY, sent as X-Api-Key. Sandbox without one: the dev key kept in DATA_DIR (withDevSecrets). */
  apiKey: string;
  /** CRYPTOSTEROID_MERCHANT_ID: the merchant UUID in every path. Sandbox without one: the dev one kept in DATA_DIR. */
  merchantId: string;
  /** CRYPTOSTEROID_ALLOWED_IPS: callback source addresses (IPs or CIDR blocks); empty = any. */
  allowedIps: string[];
  /** CRYPTOSTEROID_WHO_PAYS_COMMISSION: `buyer` (fee on top of the price) or `seller` (fee off the credit). */
  whoPaysCommission: CsWhoPaysCommission;
  /** CRYPTOSTEROID_TIMEOUT_MS: deadline of one gateway request. */
  timeoutMs: number;
}

export const CRYPTOSTEROID_LIVE_BASE_URL = 'https://api.cryptosteroid.com';

/** Where the service reaches its own emulator in sandbox mode. */
export const csSandboxBaseUrl = (port: number): string => `http://127.0.0.1:${port}/sandbox/cryptosteroid`;

type Env = Record<string, string | undefined>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function baseUrl(env: Env, def: string): string {
  const name = 'CRYPTOSTEROID_BASE_URL';
  const v = str(env, name) ?? def;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new SettingsError(name, 'not an absolute URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SettingsError(name, 'must use http or https');
  if (u.username || u.password) throw new SettingsError(name, 'must not carry credentials');
  if (u.search || u.hash) throw new SettingsError(name, 'must not carry a query or a fragment');
  return v.replace(/\/+$/, '');
}

function timeout(env: Env): number {
  const name = 'CRYPTOSTEROID_TIMEOUT_MS';
  const v = str(env, name);
  if (v === undefined) return 10_000;
  if (!/^\d+$/.test(v)) throw new SettingsError(name, `expected a whole number, got "${v}"`);
  const n = Number(v);
  if (n < 100 || n > 120_000) throw new SettingsError(name, `must be between 100 and 120000, got ${n}`);
  return n;
}

function allowedIps(env: Env): string[] {
  const name = 'CRYPTOSTEROID_ALLOWED_IPS';
  const items = (str(env, name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  try {
    new IpAllowList(items);
  } catch (err) {
    throw new SettingsError(name, (err as Error).message);
  }
  return items;
}

function whoPays(env: Env): CsWhoPaysCommission {
  const name = 'CRYPTOSTEROID_WHO_PAYS_COMMISSION';
  const v = str(env, name);
  if (v === undefined) return 'buyer';
  if (!(CS_WHO_PAYS_COMMISSION as readonly string[]).includes(v)) throw new SettingsError(name, `expected one of ${CS_WHO_PAYS_COMMISSION.join(', ')}, got "${v}"`);
  return v as CsWhoPaysCommission;
}

/**
 * Reads CRYPTOSTEROID_*. Mode unset: live when CRYPTOSTEROID_API_KEY or CRYPTOSTEROID_MERCHANT_ID
 * is set (and then both must be), else sandbox, or off in production. Live refuses a key shorter
 * than 16 characters or shipped in the examples, and a base URL that is not https (except loopback).
 */
export function loadCryptosteroidSettings(env: Env, ctx: { port: number; production: boolean; warnings: string[] }): CryptosteroidSettings {
  const apiKey = str(env, 'CRYPTOSTEROID_API_KEY');
  const merchantId = str(env, 'CRYPTOSTEROID_MERCHANT_ID');
  const mode = gatewayMode(env, 'CRYPTOSTEROID', 'CryptoSteroid', apiKey !== undefined || merchantId !== undefined, ctx.production, ctx.warnings);
  if (mode === 'live' && !apiKey) throw new SettingsError('CRYPTOSTEROID_API_KEY', 'required when CRYPTOSTEROID_MODE=live');
  if (mode === 'live' && !merchantId) throw new SettingsError('CRYPTOSTEROID_MERCHANT_ID', 'required when CRYPTOSTEROID_MODE=live');
  if (merchantId !== undefined && !UUID.test(merchantId)) throw new SettingsError('CRYPTOSTEROID_MERCHANT_ID', 'expected the merchant UUID');
  const settings: CryptosteroidSettings = {
    mode,
    baseUrl: baseUrl(env, mode === 'sandbox' ? csSandboxBaseUrl(ctx.port) : CRYPTOSTEROID_LIVE_BASE_URL),
    apiKey: apiKey ?? '',
    merchantId: merchantId ?? '',
    allowedIps: allowedIps(env),
    whoPaysCommission: whoPays(env),
    timeoutMs: timeout(env),
  };
  if (mode === 'live') refuseInLive({ secrets: { CRYPTOSTEROID_API_KEY: [settings.apiKey] }, urls: { CRYPTOSTEROID_BASE_URL: settings.baseUrl } });
  return settings;
}
