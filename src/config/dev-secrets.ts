import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Settings } from './settings';

interface DevSecrets {
  storefrontKey: string;
  opsKey: string;
  webhookSecret: string;
  /** The key the sandbox's merchant API takes (and the service sends it): random, never a constant. */
  sandboxMerchantKey: string;
  /** The SmartWM sandbox cash register's signing secret (both the service and its emulator use it). */
  smartwmSandboxSecret: string;
}

const fresh = (): DevSecrets => ({
  storefrontKey: `sk_store_${randomBytes(18).toString('base64url')}`,
  opsKey: `sk_ops_${randomBytes(18).toString('base64url')}`,
  webhookSecret: `whsk_${randomBytes(24).toString('base64url')}`,
  sandboxMerchantKey: `sbx_${randomBytes(24).toString('base64url')}`,
  smartwmSandboxSecret: `swm_${randomBytes(24).toString('base64url')}`,
});

/**
 * Sandbox mode only: fills unset keys with dev keys kept in DATA_DIR/dev-keys.json (mode 0600),
 * so they stay the same across restarts and can be pasted once, and the service and its sandbox
 * (also `npm run sandbox` on the same DATA_DIR) agree on the sandbox's merchant key. A file from
 * before a key existed gets that key added. Never used in live mode.
 */
export function withDevSecrets(settings: Settings): Settings {
  const eccaex = settings.eccaex.mode === 'sandbox';
  const smartwm = settings.smartwm.mode === 'sandbox';
  if (!eccaex && !smartwm) return settings;
  const missing =
    !settings.storefrontApiKeys.length ||
    !settings.opsApiKeys.length ||
    (eccaex && (!settings.eccaex.webhookSecrets.length || !settings.eccaex.apiKey)) ||
    (smartwm && !settings.smartwm.secret);
  if (!missing) return settings;
  const file = join(settings.dataDir, 'dev-keys.json');
  let kept: Partial<DevSecrets> | undefined;
  try {
    kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
  } catch {
    kept = undefined;
  }
  const secrets: DevSecrets = { ...fresh(), ...kept };
  if (!kept || Object.keys(secrets).some((k) => !(k in kept!))) {
    mkdirSync(settings.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  const generated: string[] = [];
  const out = { ...settings, eccaex: { ...settings.eccaex }, smartwm: { ...settings.smartwm } };
  if (!out.storefrontApiKeys.length) {
    out.storefrontApiKeys = [secrets.storefrontKey];
    generated.push('STOREFRONT_API_KEYS');
  }
  if (!out.opsApiKeys.length) {
    out.opsApiKeys = [secrets.opsKey];
    generated.push('OPS_API_KEYS');
  }
  if (eccaex && !out.eccaex.webhookSecrets.length) {
    out.eccaex.webhookSecrets = [secrets.webhookSecret];
    generated.push('ECCAEX_WEBHOOK_SECRET');
  }
  // Not listed in `generated`: setting ECCAEX_API_KEY yourself would switch the service to live mode.
  if (eccaex && !out.eccaex.apiKey) out.eccaex.apiKey = secrets.sandboxMerchantKey;
  // Not listed either: SMARTWM_SECRET with SMARTWM_CLIENT_ID would switch SmartWM to live mode.
  if (smartwm && !out.smartwm.secret) out.smartwm.secret = secrets.smartwmSandboxSecret;
  out.generated = [...settings.generated, ...generated];
  return out;
}
