import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Settings } from './settings';

interface DevSecrets {
  storefrontKey: string;
  opsKey: string;
  webhookSecret: string;
}

/**
 * Sandbox mode only: fills unset keys with dev keys kept in DATA_DIR/dev-keys.json, so they stay
 * the same across restarts and can be pasted once. Never used in live mode.
 */
export function withDevSecrets(settings: Settings): Settings {
  if (settings.eccaex.mode !== 'sandbox') return settings;
  const missing =
    !settings.storefrontApiKeys.length || !settings.opsApiKeys.length || !settings.eccaex.webhookSecrets.length;
  if (!missing) return settings;
  const file = join(settings.dataDir, 'dev-keys.json');
  let secrets: DevSecrets;
  try {
    secrets = JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  } catch {
    secrets = {
      storefrontKey: `sk_store_${randomBytes(18).toString('base64url')}`,
      opsKey: `sk_ops_${randomBytes(18).toString('base64url')}`,
      webhookSecret: `whsk_${randomBytes(24).toString('base64url')}`,
    };
    mkdirSync(settings.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  const generated: string[] = [];
  const out = { ...settings, eccaex: { ...settings.eccaex } };
  if (!out.storefrontApiKeys.length) {
    out.storefrontApiKeys = [secrets.storefrontKey];
    generated.push('STOREFRONT_API_KEYS');
  }
  if (!out.opsApiKeys.length) {
    out.opsApiKeys = [secrets.opsKey];
    generated.push('OPS_API_KEYS');
  }
  if (!out.eccaex.webhookSecrets.length) {
    out.eccaex.webhookSecrets = [secrets.webhookSecret];
    generated.push('ECCAEX_WEBHOOK_SECRET');
  }
  out.generated = generated;
  return out;
}
