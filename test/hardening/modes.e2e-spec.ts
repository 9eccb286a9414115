import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, OPS_KEY, startTestApp, STOREFRONT_KEY, TestApp, WEBHOOK_SECRET } from '../support/app';
import { SANDBOX } from '../support/callbacks';
import { buildService, childEnv, startChild } from './support';

jest.setTimeout(300_000);

/**
 * Production never runs an emulator unless <GATEWAY>_MODE=sandbox says so (then with a warning),
 * and the sandbox's merchant API takes only the key made at random for its data directory.
 */
describe('gateway modes, as an operator meets them', () => {
  it('production without gateway credentials does not fall into the sandbox: start-up stops with one line', async () => {
    const build = await buildService();
    const port = await freePort();
    const child = startChild(
      join(build, 'src', 'main.js'),
      childEnv({
        NODE_ENV: 'production',
        PORT: String(port),
        // Never reached: the settings stop start-up before any connection.
        DATABASE_URL: 'postgres://payments@127.0.0.1:1/payments',
        PUBLIC_BASE_URL: 'https://pay.shop.example',
        STOREFRONT_API_KEYS: STOREFRONT_KEY,
        OPS_API_KEYS: OPS_KEY,
        ECCAEX_WEBHOOK_SECRET: WEBHOOK_SECRET,
        ECCAEX_API_KEY: '',
        LOG_LEVEL: 'info',
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([child.exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), 60_000)))]);
    clearTimeout(timer);
    if (!exit) child.proc.kill('SIGKILL');
    const lines = child.output().trim().split('\n');
    expect([exit?.code, lines]).toEqual([78, [expect.stringMatching(/^Invalid setting ECCAEX_MODE(, [A-Z]+_MODE)*: no gateway is on /)]]);
  });

  describe('ECCAEX_MODE=sandbox in production', () => {
    let app: TestApp;
    const warnings: string[] = [];

    beforeAll(async () => {
      const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, message: unknown) {
        warnings.push(String(message));
      });
      try {
        app = await startTestApp({ NODE_ENV: 'production', ECCAEX_MODE: 'sandbox' });
      } finally {
        spy.mockRestore();
      }
    });
    afterAll(async () => {
      await app?.close();
    });

    it('runs the emulator, and says so once in a warning', async () => {
      expect(warnings.filter((w) => w.startsWith('ECCAEX_MODE=sandbox with NODE_ENV=production'))).toHaveLength(1);
      await app.http.post('/v1/orders').set({ Authorization: `Bearer ${STOREFRONT_KEY}` }).send({ amount: '10.00', currency: 'UAH', customer_id: 'modes' }).expect(201);
    });

    it("the sandbox's merchant API refuses the once-public constant and takes only the key kept with the dev keys", async () => {
      const refused = await app.http.get(`${SANDBOX}/api/v1/currencies`).set('X-Api-Key', 'sandbox_merchant_key');
      expect([refused.status, refused.body.error?.code]).toEqual([403, 'API_KEY_INVALID']);
      const kept = JSON.parse(readFileSync(join(app.database.dataDir, 'dev-keys.json'), 'utf8')) as { sandboxMerchantKey: string };
      expect(kept.sandboxMerchantKey).toBe(app.settings.eccaex.apiKey);
      await app.http.get(`${SANDBOX}/api/v1/currencies`).set('X-Api-Key', kept.sandboxMerchantKey).expect(200);
    });
  });

  it('another data directory, another sandbox merchant key', async () => {
    const a = await startTestApp();
    try {
      const b = await startTestApp();
      try {
        expect(a.settings.eccaex.apiKey).not.toBe(b.settings.eccaex.apiKey);
        const foreign = await b.http.get(`${SANDBOX}/api/v1/currencies`).set('X-Api-Key', a.settings.eccaex.apiKey);
        expect(foreign.status).toBe(403);
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });
});
