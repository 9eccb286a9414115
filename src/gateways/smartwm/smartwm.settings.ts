import { Env, GatewayMode, int, refuseInLive, SettingsError, str, url } from '../../config/env';
import type { GatewaySettingsContext } from '../gateway-plugin';
import { UTC_OFFSET_RE } from './smartwm.mapping';
import { METHOD_CODE_RE, SMARTWM_METHOD_CODES } from './smartwm.methods';

/** The API host SmartWM's own pages name; the underscore is part of it. */
export const SMARTWM_LIVE_BASE_URL = 'https://acquiring_api.obmenka.ua';
/** The sandbox cash register's number when SMARTWM_CLIENT_ID is unset (not a secret). */
export const SMARTWM_SANDBOX_CLIENT_ID = '100001';

/** SmartWM's slice of the settings (`settings.smartwm`). */
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

/** Both credentials: an unset SMARTWM_MODE is then live. */
export const smartwmHasCredentials = (env: Env): boolean => str(env, 'SMARTWM_CLIENT_ID') !== undefined && str(env, 'SMARTWM_SECRET') !== undefined;

/**
 * SMARTWM_*: live needs both credentials, a secret of 16 characters or more that is no demo value,
 * and an https base URL (or a loopback one). The sandbox's base URL is the emulator this service
 * mounts; its secret, when unset, comes from the dev keys (the plugin's devSecrets).
 */
export function loadSmartwmSettings({ env, port, mode, warnings }: GatewaySettingsContext): SmartwmSettings {
  const clientId = str(env, 'SMARTWM_CLIENT_ID');
  const secret = str(env, 'SMARTWM_SECRET');
  // Live takes both; one alone (the other maybe forgotten) leaves the mode to the default, which start-up says.
  if (str(env, 'SMARTWM_MODE') === undefined && (clientId === undefined) !== (secret === undefined)) {
    const [set, unset] = clientId !== undefined ? ['SMARTWM_CLIENT_ID', 'SMARTWM_SECRET'] : ['SMARTWM_SECRET', 'SMARTWM_CLIENT_ID'];
    warnings.push(`${set} is set without ${unset}: SmartWM is ${mode === 'off' ? 'off' : `in ${mode} mode`}, not live; set both for live, or SMARTWM_MODE to say which`);
  }
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
  if (mode === 'live') refuseInLive({ secrets: { SMARTWM_SECRET: [secret!] }, urls: { SMARTWM_BASE_URL: baseUrl } });
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
