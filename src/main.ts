import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import pino from 'pino';
import { logDestination } from './common/logging';
import { RunningApp, startApp } from './app.factory';
import { withDevSecrets } from './config/dev-secrets';
import { loadSettings, Settings, SettingsError } from './config/settings';
import { banner } from './startup-banner';

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
  // Log lines and the banner share one stdout stream (pino's own kind: asynchronous), so the banner
  // comes out after every line start-up logged, not in among them.
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 0 });
  logDestination.stream = stdout;
  const running = await startApp(settings);
  installShutdown(running, settings);
  stdout.write(banner(settings));
}

/**
 * SIGTERM / SIGINT: readiness goes 503 at once, requests are still served for SHUTDOWN_DRAIN_MS,
 * then the server stops accepting and finishes what is in flight, workers finish or release their
 * jobs, the pool and the embedded database close, and the process exits 0. Past
 * SHUTDOWN_TIMEOUT_MS it logs and exits 1. A second signal does not start a second shutdown.
 */
function installShutdown(running: RunningApp, settings: Settings): void {
  const log = new Logger('Shutdown');
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      log.warn(`${signal} received again; shutdown already under way`);
      return;
    }
    started = true;
    const t0 = Date.now();
    log.log(`${signal} received: shutting down (drain ${settings.shutdownDrainMs} ms, bound ${settings.shutdownTimeoutMs} ms)`);
    const force = setTimeout(() => {
      log.error(`shutdown did not finish within SHUTDOWN_TIMEOUT_MS=${settings.shutdownTimeoutMs} ms; exiting 1`);
      process.exit(1);
    }, settings.shutdownTimeoutMs);
    // What is left of the bound after the drain, minus time for workers and the pool.
    const inFlightMs = Math.max(1000, Math.min(settings.requestTimeoutMs + 1000, settings.shutdownTimeoutMs - settings.shutdownDrainMs - 5000));
    running
      .close({ drainMs: settings.shutdownDrainMs, inFlightMs })
      .then(() => {
        clearTimeout(force);
        log.log(`shutdown complete in ${Date.now() - t0} ms; exiting 0`);
        process.exit(0);
      })
      .catch((err: unknown) => {
        clearTimeout(force);
        log.error(`shutdown failed: ${(err as Error).message}; exiting 1`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err) => {
  process.stderr.write(`start-up failed: ${(err as Error).message}\n`);
  process.exit(1);
});
