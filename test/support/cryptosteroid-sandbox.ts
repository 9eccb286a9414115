import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { registerSecurityHeaders } from '../../src/common/http-hardening';
import { HttpExceptionFilter } from '../../src/common/http-exception.filter';
import { requestIdOf } from '../../src/common/logging';
import { loadSettings } from '../../src/config/settings';
import { dataSourceOptions, openDatabase, runMigrations } from '../../src/database/database';
import { CryptosteroidSandboxModule } from '../../src/sandbox/cryptosteroid/cryptosteroid-sandbox.module';
import { CsSandboxConfig } from '../../src/sandbox/cryptosteroid/sandbox-config';
import { freePort, freshDatabase, TestDatabase, testEnv } from './app';

export const CS_BASE = '/sandbox/cryptosteroid';
export const CS_CONTROL = `${CS_BASE}/_control`;

export interface CsSandboxApp {
  app: NestFastifyApplication;
  url: string;
  http: ReturnType<typeof request>;
  merchantId: string;
  apiKey: string;
  /** `/sandbox/cryptosteroid/merchants/{merchantId}/invoices` */
  invoices: string;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The CryptoSteroid emulator alone in a Nest app on a real port and a fresh database (embedded
 * when DATABASE_URL is unset), with the service's security headers and error envelope, as the
 * host mounts it. Credentials are random per app unless given.
 */
export async function startCsSandbox(over: Partial<CsSandboxConfig> = {}): Promise<CsSandboxApp> {
  const database = await freshDatabase();
  const port = await freePort();
  const settings = loadSettings(testEnv(port, database));
  const db = await openDatabase(settings);
  try {
    await runMigrations(db);
    const merchantId = over.merchantId ?? randomUUID();
    const apiKey = over.apiKey ?? `cs_test_${randomUUID()}`;
    @Module({
      imports: [
        TypeOrmModule.forRoot(dataSourceOptions(db)),
        CryptosteroidSandboxModule.forRoot({ webhookPollMs: 50, sweepIntervalMs: 100, ...over, merchantId, apiKey, publicBaseUrl: `http://127.0.0.1:${port}` }),
      ],
    })
    class CsSandboxTestModule {}
    const adapter = new FastifyAdapter({ genReqId: (req: import('node:http').IncomingMessage) => requestIdOf(req), trustProxy: true });
    const app = await NestFactory.create<NestFastifyApplication>(CsSandboxTestModule, adapter, { logger: process.env.TEST_LOG_LEVEL ? ['fatal', 'error', 'warn'] : false, abortOnError: false });
    await registerSecurityHeaders(app);
    app.useGlobalFilters(new HttpExceptionFilter());
    await app.listen(port, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    return {
      app,
      url,
      http: request(url),
      merchantId,
      apiKey,
      invoices: `${CS_BASE}/merchants/${merchantId}/invoices`,
      database,
      async close() {
        await app.close();
        await db.stop();
        await database.drop();
      },
    };
  } catch (err) {
    await db.stop();
    await database.drop();
    throw err;
  }
}
