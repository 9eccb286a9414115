import { DynamicModule, LogLevel as NestLogLevel, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { join } from 'node:path';
import { requestIdOf } from '../../common/logging';
import { withDevSecrets } from '../../config/dev-secrets';
import { loadSettings, Settings } from '../../config/settings';
import { SettingsModule } from '../../config/settings.module';
import { DatabaseHandle, dataSourceOptions, openDatabase, runMigrations } from '../../database/database';
import { EccaexErrorFilter } from './errors';
import { loadSandboxConfig, SandboxConfig } from './sandbox-config';
import { EccaexSandboxModule } from './eccaex-sandbox.module';
import { CryptosteroidSandboxModule } from '../cryptosteroid/cryptosteroid-sandbox.module';
import { SmartwmSandboxModule } from '../smartwm/smartwm-sandbox.module';
import { smartwmSandboxConfig } from '../smartwm/sandbox-config';

@Module({})
class StandaloneSandboxModule {
  static forRoot(settings: Settings, db: DatabaseHandle, config: SandboxConfig): DynamicModule {
    return {
      module: StandaloneSandboxModule,
      imports: [
        SettingsModule.forRoot(settings),
        TypeOrmModule.forRoot(dataSourceOptions(db)),
        EccaexSandboxModule.forRoot(config),
        // CryptoSteroid's emulator beside it, on the same credentials the service uses (DATA_DIR/dev-keys.json).
        CryptosteroidSandboxModule.forRoot({ merchantId: settings.cryptosteroid.merchantId, apiKey: settings.cryptosteroid.apiKey, publicBaseUrl: settings.publicBaseUrl }),
        // SmartWM's too: the cash register the service signs as (SMARTWM_CLIENT_ID / SMARTWM_SECRET, or the dev secret in DATA_DIR/dev-keys.json).
        SmartwmSandboxModule.forRoot(
          smartwmSandboxConfig({ clientId: settings.smartwm.clientId, secret: settings.smartwm.secret, publicBaseUrl: settings.publicBaseUrl, methods: settings.smartwm.paymentMethods }),
        ),
      ],
    };
  }
}

export interface StandaloneSandbox {
  app: NestFastifyApplication;
  settings: Settings;
  config: SandboxConfig;
  /** Where it listens (loopback form, for tools on this machine). */
  url: string;
  /** What it prints on start. */
  banner: string;
  close(): Promise<void>;
}

type Env = Record<string, string | undefined>;

const NEST_LEVELS: Record<string, NestLogLevel[] | false> = {
  silent: false,
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/**
 * Settings of the emulator run alone (`npm run sandbox`): always sandbox mode, its own port
 * (SANDBOX_PORT, default 4010), and PUBLIC_BASE_URL is its own URL (payment links point at it).
 * The accepted key is ECCAEX_API_KEY when set, else the random one kept in DATA_DIR/dev-keys.json; webhooks are signed
 * with the first ECCAEX_WEBHOOK_SECRET (or the dev secret kept in DATA_DIR/dev-keys.json, the same
 * one the service uses in sandbox mode).
 */
export function standaloneSettings(env: Env = process.env): Settings {
  const port = env.SANDBOX_PORT?.trim() || '4010';
  return withDevSecrets(
    loadSettings({
      ...env,
      PORT: port,
      ECCAEX_MODE: 'sandbox',
      CRYPTOSTEROID_MODE: 'sandbox',
      SMARTWM_MODE: 'sandbox',
      PUBLIC_BASE_URL: env.PUBLIC_BASE_URL?.trim() || `http://localhost:${port}`,
    }),
  );
}

export function standaloneBanner(settings: Settings, config: SandboxConfig): string {
  const base = settings.publicBaseUrl;
  const e = settings.eccaex;
  return [
    '',
    `EccaEx sandbox listening on port ${settings.port} (${settings.databaseUrl ? 'Postgres' : `embedded database under ${settings.dataDir}`})`,
    `  base URL        ${base}/sandbox/eccaex/api/v1`,
    `  X-Api-Key       ${e.apiKey}`,
    `  webhook secret  ${e.webhookSecrets[0] ?? '(none)'}`,
    `  signature       X-Signature = ${e.signatureEncoding}(HMAC-${e.signatureAlgorithm.toUpperCase()}(secret, "${e.signaturePayload}")), X-Signature-Timestamp in unix seconds`,
    `  payment page    ${base}/sandbox/eccaex/pay/{invoice_id}`,
    `  simulate        POST ${base}/sandbox/eccaex/api/v1/sandbox/invoices/{invoice_ref}/simulate {"outcome":"success"}`,
    `  test controls   ${base}/sandbox/eccaex/_control/faults, /_control/webhooks`,
    `  invoice TTL     ${config.invoiceTtlS} s`,
    '',
    `CryptoSteroid sandbox on the same port`,
    `  base URL        ${base}/sandbox/cryptosteroid   (paths /merchants/{merchant}/invoices...)`,
    `  merchant        ${settings.cryptosteroid.merchantId}`,
    `  X-Api-Key       ${settings.cryptosteroid.apiKey}`,
    `  payment page    ${base}/sandbox/cryptosteroid/pay/{invoiceId}`,
    `  simulate        POST ${base}/sandbox/cryptosteroid/_control/invoices/{invoiceId}/simulate {"outcome":"paid"}`,
    '',
    `SmartWM (DPAY) sandbox on the same port`,
    `  base URL        ${base}/sandbox/smartwm   (paths /api/einvoice/..., signed both ways)`,
    `  DPAY_CLIENT     ${settings.smartwm.clientId}`,
    `  secret          ${settings.smartwm.secret}`,
    `  payment page    ${base}/sandbox/smartwm/pay/{tracking}`,
    `  simulate        POST ${base}/sandbox/smartwm/_control/invoices/{tracking}/simulate {"status":"PAYED"}`,
    '',
  ].join('\n');
}

/** Opens (and migrates) the database, then serves only the sandbox module. */
export async function startStandaloneSandbox(
  env: Env = process.env,
  options: { host?: string; settings?: Settings } = {},
): Promise<StandaloneSandbox> {
  const settings = options.settings ?? standaloneSettings(env);
  const config = loadSandboxConfig(env);
  // Its own embedded database directory, so it can run beside the service on the same DATA_DIR.
  const db = await openDatabase({ ...settings, dataDir: join(settings.dataDir, 'sandbox') });
  try {
    await runMigrations(db);
    const adapter = new FastifyAdapter({
      bodyLimit: 1024 * 1024,
      genReqId: (req: import('node:http').IncomingMessage) => requestIdOf(req),
      return503OnClosing: true,
      trustProxy: true,
    });
    const app = await NestFactory.create<NestFastifyApplication>(StandaloneSandboxModule.forRoot(settings, db, config), adapter, {
      rawBody: true,
      abortOnError: false,
      logger: NEST_LEVELS[settings.logLevel] ?? NEST_LEVELS.info!,
    });
    const fastify = app.getHttpAdapter().getInstance();
    fastify.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      void reply.header('x-request-id', req.id);
    });
    // Nest routes Fastify's own errors (bad JSON, body too large, unknown route) through global
    // filters, so every error of the standalone emulator has the EccaEx envelope.
    app.useGlobalFilters(new EccaexErrorFilter());
    await app.listen(settings.port, options.host ?? env.SANDBOX_HOST ?? '0.0.0.0');
    const addr = fastify.server.address();
    const url = addr && typeof addr === 'object' ? `http://127.0.0.1:${addr.port}` : settings.publicBaseUrl;
    let closed = false;
    return {
      app,
      settings,
      config,
      url,
      banner: standaloneBanner(settings, config),
      async close() {
        if (closed) return;
        closed = true;
        await app.close();
        await db.stop();
      },
    };
  } catch (err) {
    await db.stop();
    throw err;
  }
}
