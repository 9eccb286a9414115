import { Settings } from './config/settings';
import { gatewaySlice } from './gateways/gateway-plugin';
import { gatewayPlugins } from './gateways/gateways.registry';
import { sandboxed } from './sandbox/sandbox.module';

/** Each gateway's mode, e.g. "smartwm live, cryptosteroid off mode". */
const modes = (settings: Settings) =>
  gatewayPlugins()
    .map((p) => `${p.name} ${gatewaySlice(settings, p.name)?.mode ?? 'off'}`)
    .join(', ') + ' mode';

/** What `npm start` prints once it listens: the addresses, and with a sandbox gateway, how to try it. */
export function banner(settings: Settings): string {
  const base = settings.publicBaseUrl;
  const lines = [
    '',
    `Merchant payments service listening on port ${settings.port} (${modes(settings)}, ${settings.databaseUrl ? 'Postgres' : `embedded database in ${settings.dataDir}`})`,
    `  API docs        ${base}/docs`,
    `  health          ${base}/health/ready`,
    `  ops console     ${base}/ops   (enter an ops key in the page)`,
  ];
  const emulators = sandboxed(settings);
  if (emulators.length) {
    lines.push(`  demo shop       ${base}/sandbox/shop   (buy, pay on the hosted page, come back to the order's status)`);
    for (const p of emulators) lines.push(...(p.sandboxBanner?.(base) ?? [`  sandbox ${p.name.padEnd(8)} ${base}/sandbox/${p.name}`]));
    // Only keys made here for development are shown; a key the operator set never reaches the output.
    const storefrontGenerated = settings.generated.includes('STOREFRONT_API_KEYS');
    const opsGenerated = settings.generated.includes('OPS_API_KEYS');
    if (settings.generated.length) {
      lines.push('', `Dev keys (generated, kept in ${settings.dataDir}/dev-keys.json; set ${settings.generated.join(', ')} to use your own):`);
      if (storefrontGenerated) lines.push(`  storefront key  ${settings.storefrontApiKeys[0]}`);
      if (opsGenerated) lines.push(`  ops key         ${settings.opsApiKeys[0]}`);
    }
    const bearer = storefrontGenerated ? settings.storefrontApiKeys[0] : '<a key of STOREFRONT_API_KEYS>';
    lines.push(
      '',
      'Try it:',
      `  curl -s -X POST ${base}/v1/orders -H 'Authorization: Bearer ${bearer}' -H 'Content-Type: application/json' -H "Idempotency-Key: $(date +%s%N)" -d '{"amount":"1500.00","currency":"UAH","customer_id":"user_12345","description":"Premium subscription"}'`,
      '  then open the payment_link of the reply in a browser (or just use the demo shop).',
    );
  }
  return lines.join('\n') + '\n';
}
