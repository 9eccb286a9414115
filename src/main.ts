import 'reflect-metadata';
import { startApp } from './app.factory';
import { withDevSecrets } from './config/dev-secrets';
import { loadSettings, Settings, SettingsError } from './config/settings';

function banner(settings: Settings): string {
  const base = settings.publicBaseUrl;
  const lines = [
    '',
    `Merchant payments service listening on port ${settings.port} (${settings.eccaex.mode} mode, ${settings.databaseUrl ? 'Postgres' : `embedded database in ${settings.dataDir}`})`,
    `  API docs        ${base}/docs`,
    `  health          ${base}/health/ready`,
  ];
  if (settings.eccaex.mode === 'sandbox') {
    lines.push(
      `  sandbox gateway ${base}/sandbox/eccaex/api/v1`,
      `  demo shop       ${base}/sandbox/shop`,
      `  ops console     ${base}/ops`,
    );
    if (settings.generated.length) {
      lines.push(
        '',
        `Dev keys (generated, kept in ${settings.dataDir}/dev-keys.json; set ${settings.generated.join(', ')} to use your own):`,
        `  storefront key  ${settings.storefrontApiKeys[0]}`,
        `  ops key         ${settings.opsApiKeys[0]}`,
      );
    }
    lines.push(
      '',
      'Try it:',
      `  curl -s -X POST ${base}/v1/orders -H 'Authorization: Bearer ${settings.storefrontApiKeys[0]}' -H 'Content-Type: application/json' -H "Idempotency-Key: $(date +%s%N)" -d '{"amount":"1500.00","currency":"UAH","customer_id":"user_12345","description":"Premium subscription"}'`,
      '  then open the payment_link of the reply in a browser.',
    );
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = withDevSecrets(loadSettings());
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  await startApp(settings);
  process.stdout.write(banner(settings));
}

main().catch((err) => {
  process.stderr.write(`start-up failed: ${(err as Error).message}\n`);
  process.exit(1);
});
