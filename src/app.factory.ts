import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module';
import { requestIdOf } from './common/logging';
import { Settings } from './config/settings';
import { DatabaseHandle, openDatabase, runMigrations } from './database/database';
import { Lifecycle } from './health/health.controller';

export const BODY_LIMIT = 1024 * 1024;

export interface RunningApp {
  app: NestFastifyApplication;
  settings: Settings;
  db: DatabaseHandle;
  url: string;
  close(): Promise<void>;
}

export function buildOpenApi(app: NestFastifyApplication) {
  const config = new DocumentBuilder()
    .setTitle('Merchant payments service')
    .setDescription('Storefront orders, EccaEx invoices, signed gateway callbacks, ops tools. Errors: { error: { code, message, details }, request_id }.')
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Opens the database, migrates, builds the Nest app on Fastify. `listen` false leaves it unbound. */
export async function startApp(settings: Settings, options: { listen?: boolean; host?: string } = {}): Promise<RunningApp> {
  const db = await openDatabase(settings);
  try {
    await runMigrations(db);
    const adapter = new FastifyAdapter({
      bodyLimit: BODY_LIMIT,
      genReqId: (req: import('node:http').IncomingMessage) => requestIdOf(req),
      requestTimeout: settings.requestTimeoutMs,
      return503OnClosing: true,
      trustProxy: true,
    });
    const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(settings, db), adapter, {
      rawBody: true,
      bufferLogs: true,
      abortOnError: false,
    });
    app.useLogger(app.get(Logger));
    const fastify = app.getHttpAdapter().getInstance();
    // Gateway callbacks get their raw bytes, unparsed: the signature is checked before any parse.
    const json = fastify.getDefaultJsonParser('error', 'error');
    app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT }, (req, body, done) => {
      if (req.url.startsWith('/v1/webhooks/')) return done(null, body);
      json(req as Parameters<typeof json>[0], body.toString('utf8'), done);
    });
    fastify.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      void reply.header('x-request-id', req.id);
    });
    const document = buildOpenApi(app);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
    app.enableShutdownHooks();
    const lifecycle = app.get(Lifecycle);
    await app.init();
    let url = settings.publicBaseUrl;
    if (options.listen !== false) {
      await app.listen(settings.port, options.host ?? '0.0.0.0');
      const addr = fastify.server.address();
      if (addr && typeof addr === 'object') url = `http://127.0.0.1:${addr.port}`;
    }
    let closed = false;
    return {
      app,
      settings,
      db,
      url,
      async close() {
        if (closed) return;
        closed = true;
        lifecycle.shuttingDown = true;
        await app.close();
        await db.stop();
      },
    };
  } catch (err) {
    await db.stop();
    throw err;
  }
}
