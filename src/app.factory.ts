import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger as NestLogger } from '@nestjs/common';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from 'node:http';
import { AppModule } from './app.module';
import { HttpGate, registerContentTypeRule, registerSecurityHeaders } from './common/http-hardening';
import { frameworkErrors, MAX_PARAM_LENGTH, registerNulGuard } from './common/input-guards';
import { registerRequestLog, requestIdOf } from './common/logging';
import { QuietStartupLogger } from './common/quiet-startup-logger';
import { registerHome } from './common/home';
import { sleep } from './common/sleep';
import { registerRequestTimeout } from './common/request-timeout';
import { withDevSecrets } from './config/dev-secrets';
import { Settings } from './config/settings';
import { DatabaseHandle, openDatabase, runMigrations } from './database/database';
import { Lifecycle } from './health/health.controller';
import { buildOpenApi } from './openapi/document';
import { registerOpsAssets } from './ops/ops-assets';
import { registerRawCallbackBodies } from './webhooks/raw-callback-body';

export const BODY_LIMIT = 1024 * 1024;

export interface CloseOptions {
  /** How long /health/ready answers 503 while requests are still served (default 0; main.ts passes SHUTDOWN_DRAIN_MS). */
  drainMs?: number;
  /** Longest wait for requests in flight once the server stops accepting (default REQUEST_TIMEOUT_MS + 1 s). */
  inFlightMs?: number;
}

export interface RunningApp {
  app: NestFastifyApplication;
  settings: Settings;
  db: DatabaseHandle;
  url: string;
  /**
   * Graceful stop, in this order: readiness goes 503; the drain period (requests still served);
   * the server stops accepting connections and requests in flight finish (new requests on open
   * connections get 503 + Connection: close); then Nest's shutdown (pg-boss workers finish or
   * release their jobs, the pool closes); then the embedded database stops.
   */
  close(options?: CloseOptions): Promise<void>;
}


/** Stops accepting connections and waits for the open ones to end (bounded; then they are cut). */
async function closeServer(server: Server, inFlightMs: number, log: NestLogger): Promise<void> {
  if (!server.listening) return;
  const open = await new Promise<number>((r) => server.getConnections((_e, n) => r(n ?? 0)));
  log.log(`closing the HTTP server: no new connections; waiting up to ${inFlightMs} ms for ${open} open connection(s) to finish their requests`);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    closed.then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), inFlightMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    log.warn(`requests still in flight after ${inFlightMs} ms; closing their connections`);
    server.closeAllConnections();
    await closed;
  }
  log.log('HTTP server closed');
}

/** The OpenAPI document (src/openapi/document.ts): every route, sandbox excluded. */
export { buildOpenApi };

/** Opens the database, migrates, builds the Nest app on Fastify. `listen` false leaves it unbound. */
export async function startApp(given: Settings, options: { listen?: boolean; host?: string } = {}): Promise<RunningApp> {
  // Sandbox keys not set by hand come from DATA_DIR (main.ts fills them before, for its banner).
  const settings = withDevSecrets(given);
  const db = await openDatabase(settings);
  // Set once built: a start that fails after it (the port taken, say) closes it, so no worker or
  // connection of a half-started app lives on.
  let built: NestFastifyApplication | undefined;
  try {
    await runMigrations(db);
    const adapter = new FastifyAdapter({
      bodyLimit: BODY_LIMIT,
      genReqId: (req: import('node:http').IncomingMessage) => requestIdOf(req),
      requestTimeout: settings.requestTimeoutMs,
      return503OnClosing: true,
      // Whether X-Forwarded-For is believed for req.ip (the CryptoSteroid source allow-list reads it).
      trustProxy: settings.trustProxy,
      // An order ref may be an external_id of up to 128 characters (Fastify's default is 100).
      routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
      frameworkErrors,
      // No Nest middleware anywhere (the request log is a Fastify hook): no middie on every request.
      skipMiddie: true,
    });
    const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(settings, db), adapter, {
      rawBody: true,
      bufferLogs: true,
      abortOnError: false,
    });
    built = app;
    app.useLogger(new QuietStartupLogger(app.get(Logger)));
    for (const warning of settings.warnings) new NestLogger('Settings').warn(warning);
    const fastify = app.getHttpAdapter().getInstance();
    registerRequestLog(fastify, PinoLogger.root);
    registerRequestTimeout(fastify, settings.requestTimeoutMs);
    await registerSecurityHeaders(app);
    registerOpsAssets(app);
    const json = fastify.getDefaultJsonParser('error', 'error');
    // An empty body labelled JSON is no body (clients that label every POST so: cancel, reconcile);
    // a route that needs one still says so (POST /v1/orders: VALIDATION_FAILED naming body).
    app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT }, (req, body, done) => {
      if (body.length === 0) return done(null, undefined);
      json(req as Parameters<typeof json>[0], body.toString('utf8'), done);
    });
    // Gateway callbacks get their raw bytes, unparsed, whatever the content type: the signature is checked before any parse.
    registerRawCallbackBodies(fastify, BODY_LIMIT);
    fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
      void reply.header('x-request-id', req.id);
      done();
    });
    // After the security headers and X-Request-Id, so the replies these hooks send carry them.
    const gate = new HttpGate();
    gate.register(fastify);
    registerContentTypeRule(fastify);
    registerNulGuard(fastify);
    registerHome(fastify, settings);
    const document = buildOpenApi(app);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
    // No enableShutdownHooks(): main.ts owns SIGTERM/SIGINT and runs close() with its bounds.
    const lifecycle = app.get(Lifecycle);
    await app.init();
    let url = settings.publicBaseUrl;
    if (options.listen !== false) {
      await app.listen(settings.port, options.host ?? '0.0.0.0');
      const addr = fastify.server.address();
      if (addr && typeof addr === 'object') url = `http://127.0.0.1:${addr.port}`;
    }
    const log = new NestLogger('Shutdown');
    let closing: Promise<void> | undefined;
    const close = async (o: CloseOptions): Promise<void> => {
      lifecycle.shuttingDown = true;
      if (o.drainMs && o.drainMs > 0) {
        log.log(`readiness is now 503; serving for ${o.drainMs} ms more so load balancers notice`);
        await sleep(o.drainMs);
      }
      gate.closed = true;
      await closeServer(fastify.server, o.inFlightMs ?? settings.requestTimeoutMs + 1000, log);
      await app.close(); // pg-boss stops gracefully (JobsService), then the HTTP adapter, then TypeORM's pool
      log.log('workers stopped, database pool closed');
      await db.stop();
    };
    return {
      app,
      settings,
      db,
      url,
      close(options: CloseOptions = {}) {
        closing ??= close(options);
        return closing;
      },
    };
  } catch (err) {
    await built?.close().catch(() => undefined);
    await db.stop();
    throw err;
  }
}
