import { Logger } from '@nestjs/common';
import request from 'supertest';
import { RunningApp, startApp } from '../../src/app.factory';
import { loadSettings } from '../../src/config/settings';
import { freePort, testEnv } from '../support/app';
import { DbProxy, startDbProxy } from '../support/db-proxy';
import { serverDatabase, ServerDatabase } from '../support/shared-db';

describe('start-up waits for the database', () => {
  let target: ServerDatabase;
  let proxy: DbProxy;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    target = await serverDatabase();
    proxy = await startDbProxy(target.url);
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await proxy?.close();
    await target?.drop();
  });

  it('says what it waits for, and becomes ready once the database is up', async () => {
    await proxy.down();
    const warnings: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, message: unknown) {
      warnings.push(String(message));
    });
    const port = await freePort();
    const settings = loadSettings(testEnv(port, target, { ...target.env, DATABASE_URL: proxy.url }));
    const t0 = Date.now();
    setTimeout(() => void proxy.up(), 2000);
    try {
      running = await startApp(settings, { host: '127.0.0.1' });
    } finally {
      spy.mockRestore();
    }
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1900);
    const host = new URL(proxy.url);
    const waiting = warnings.filter((w) => w.startsWith(`waiting for database ${host.hostname}:${host.port}/`));
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting[0]).toMatch(/\(attempt 1\): .*ECONNREFUSED|\(attempt 1\): /);
    // No credentials in the message, only host:port/database.
    expect(waiting.join('\n')).not.toMatch(/postgres:\/\//);
    const ready = await request(running.url).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
  }, 90_000);
});
