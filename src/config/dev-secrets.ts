import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayPlugins } from '../gateways/gateways.registry';
import { gatewaySlice, GatewaySettingsBase } from '../gateways/gateway-plugin';
import { Settings } from './settings';

/**
 * Sandbox mode only (a gateway whose mode is sandbox): fills unset keys with dev keys kept in
 * DATA_DIR/dev-keys.json (mode 0600), so they stay the same across restarts and can be pasted
 * once, and the service and its sandboxes (also `npm run sandbox` on the same DATA_DIR) agree on
 * the sandbox's keys. The service's own keys (storefront, ops) and each sandboxed gateway's
 * (its plugin's devSecrets) are random, never constants. A file from before a key existed gets
 * that key added. Never used in live mode.
 */
export function withDevSecrets(settings: Settings): Settings {
  const sandboxed = gatewayPlugins().filter((p) => gatewaySlice(settings, p.name)?.mode === 'sandbox');
  if (!sandboxed.length) return settings;
  const file = join(settings.dataDir, 'dev-keys.json');
  let kept: Record<string, string> | undefined;
  try {
    kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    kept = undefined;
  }
  const secrets: Record<string, string> = { ...kept };
  let changed = false;
  const secret = (name: string, make: () => string): string => {
    if (typeof secrets[name] !== 'string' || !secrets[name]) {
      secrets[name] = make();
      changed = true;
    }
    return secrets[name]!;
  };
  const generated: string[] = [];
  const out: Settings = { ...settings };
  if (!out.storefrontApiKeys.length) {
    out.storefrontApiKeys = [secret('storefrontKey', () => `sk_store_${randomBytes(18).toString('base64url')}`)];
    generated.push('STOREFRONT_API_KEYS');
  }
  if (!out.opsApiKeys.length) {
    out.opsApiKeys = [secret('opsKey', () => `sk_ops_${randomBytes(18).toString('base64url')}`)];
    generated.push('OPS_API_KEYS');
  }
  for (const plugin of sandboxed) {
    if (!plugin.devSecrets) continue;
    const slice = gatewaySlice(out, plugin.name) as GatewaySettingsBase;
    const filled = plugin.devSecrets(slice, secret);
    (out as unknown as Record<string, unknown>)[plugin.name] = filled.slice;
    generated.push(...filled.generated);
  }
  if (changed) {
    mkdirSync(settings.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  out.generated = [...settings.generated, ...generated];
  return out;
}
