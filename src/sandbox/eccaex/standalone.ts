import 'reflect-metadata';
import { SettingsError } from '../../config/env';
import { startStandaloneSandbox } from './standalone-app';

/** `npm run sandbox`: the EccaEx emulator alone, for benchmarks and for other teams. */
async function main(): Promise<void> {
  let sandbox;
  try {
    sandbox = await startStandaloneSandbox();
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  process.stdout.write(sandbox.banner);
  const stop = (signal: string) => {
    process.stdout.write(`\n${signal}: stopping the EccaEx sandbox\n`);
    sandbox
      .close()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`sandbox start-up failed: ${(err as Error).message}\n`);
  process.exit(1);
});
