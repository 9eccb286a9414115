import { Env, GatewayMode, int, oneOf, bool, refuseInLive, SettingsError, str, url } from '../../config/env';
import type { GatewaySettingsContext } from '../gateway-plugin';

/** EccaEx's callback signature scheme (its docs leave it open, so it is a setting). */
export type SignaturePayload = '{timestamp}.{body}' | '{body}' | '{timestamp}{body}';
export type SignatureAlgorithm = 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

export const ECCAEX_LIVE_BASE_URL = 'https://api.ecca-ex.com/api/v1';

/** EccaEx's slice of the settings (`settings.eccaex`). */
export interface EccaexSettings {
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
}

export const eccaexHasCredentials = (env: Env): boolean => str(env, 'ECCAEX_API_KEY') !== undefined;

/** ECCAEX_* settings; live mode needs the API key and the webhook secret, and refuses demo or short ones and a plain-http base URL. */
export function loadEccaexSettings({ env, port, mode }: GatewaySettingsContext): EccaexSettings {
  const apiKey = str(env, 'ECCAEX_API_KEY');
  if (mode === 'live' && !apiKey) throw new SettingsError('ECCAEX_API_KEY', 'required when ECCAEX_MODE=live');
  const webhookSecrets = (str(env, 'ECCAEX_WEBHOOK_SECRET') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (mode === 'live' && !webhookSecrets.length) throw new SettingsError('ECCAEX_WEBHOOK_SECRET', 'required in live mode');
  const baseUrl = url(env, 'ECCAEX_BASE_URL', mode === 'sandbox' ? `http://127.0.0.1:${port}/sandbox/eccaex/api/v1` : ECCAEX_LIVE_BASE_URL)!;
  if (mode === 'live') refuseInLive({ secrets: { ECCAEX_API_KEY: apiKey ? [apiKey] : [], ECCAEX_WEBHOOK_SECRET: webhookSecrets }, urls: { ECCAEX_BASE_URL: baseUrl } });
  return {
    mode,
    baseUrl,
    // Sandbox without a key of its own: the random one kept with the dev keys (withDevSecrets).
    apiKey: apiKey ?? '',
    webhookSecrets,
    signaturePayload: oneOf(env, 'ECCAEX_SIGNATURE_PAYLOAD', '{timestamp}.{body}', ['{timestamp}.{body}', '{body}', '{timestamp}{body}'] as const),
    signatureAlgorithm: oneOf(env, 'ECCAEX_SIGNATURE_ALGORITHM', 'sha256', ['sha256', 'sha512'] as const),
    signatureEncoding: oneOf(env, 'ECCAEX_SIGNATURE_ENCODING', 'hex', ['hex', 'base64'] as const),
    signatureToleranceS: int(env, 'ECCAEX_SIGNATURE_TOLERANCE_S', 300, 1, 86400),
    signatureCapture: bool(env, 'ECCAEX_SIGNATURE_CAPTURE', false),
    timeoutMs: int(env, 'ECCAEX_TIMEOUT_MS', 10000, 100, 120000),
  };
}
