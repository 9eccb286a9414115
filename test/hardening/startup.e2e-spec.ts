import { Logger } from '@nestjs/common';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
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

describe('a start that cannot listen', () => {
  let target: ServerDatabase;

  beforeAll(async () => {
    target = await serverDatabase();
  }, 60_000);

  afterAll(async () => {
    await target?.drop();
  });

  it('fails with the reason and leaves nothing running: no worker, no connection of its own', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      await expect(startApp(loadSettings(testEnv(port, target, target.env)), { host: '127.0.0.1' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      // The app was built (migrations ran, its pool connected) before listen failed: all of it is closed again.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await target.connections()).toBe(0);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  }, 90_000);
});
