import { Env, GatewayMode, int, refuseInLive, SettingsError, str, url } from '../../config/env';
import type { GatewaySettingsContext } from '../gateway-plugin';
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An absolute http(s) URL without credentials, query or fragment: paths are appended to it. */
function baseUrl(env: Env, def: string): string {
  const name = 'CRYPTOSTEROID_BASE_URL';
  const v = url(env, name, def)!;
  const u = new URL(v);
  if (u.search || u.hash) throw new SettingsError(name, 'must not carry a query or a fragment');
  return v;
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

/** Live credentials in the environment: either of them makes an unset CRYPTOSTEROID_MODE live (and then both are required). */
export const cryptosteroidHasCredentials = (env: Env): boolean => str(env, 'CRYPTOSTEROID_API_KEY') !== undefined || str(env, 'CRYPTOSTEROID_MERCHANT_ID') !== undefined;

/**
 * Reads CRYPTOSTEROID_* (the mode is read by the core: live with credentials, else sandbox, off in
 * production). Live needs the key and the merchant UUID, and refuses a key shorter than 16
 * characters or shipped in the examples, and a base URL that is not https (except loopback).
 */
export function loadCryptosteroidSettings({ env, port, mode }: GatewaySettingsContext): CryptosteroidSettings {
  const apiKey = str(env, 'CRYPTOSTEROID_API_KEY');
  const merchantId = str(env, 'CRYPTOSTEROID_MERCHANT_ID');
  if (mode === 'live' && !apiKey) throw new SettingsError('CRYPTOSTEROID_API_KEY', 'required when CRYPTOSTEROID_MODE=live');
  if (mode === 'live' && !merchantId) throw new SettingsError('CRYPTOSTEROID_MERCHANT_ID', 'required when CRYPTOSTEROID_MODE=live');
  if (merchantId !== undefined && !UUID.test(merchantId)) throw new SettingsError('CRYPTOSTEROID_MERCHANT_ID', 'expected the merchant UUID');
  const settings: CryptosteroidSettings = {
    mode,
    baseUrl: baseUrl(env, mode === 'sandbox' ? csSandboxBaseUrl(port) : CRYPTOSTEROID_LIVE_BASE_URL),
    apiKey: apiKey ?? '',
    merchantId: merchantId ?? '',
    allowedIps: allowedIps(env),
    whoPaysCommission: whoPays(env),
    timeoutMs: int(env, 'CRYPTOSTEROID_TIMEOUT_MS', 10_000, 100, 120_000),
  };
  if (mode === 'live') refuseInLive({ secrets: { CRYPTOSTEROID_API_KEY: [settings.apiKey] }, urls: { CRYPTOSTEROID_BASE_URL: settings.baseUrl } });
  return settings;
}
