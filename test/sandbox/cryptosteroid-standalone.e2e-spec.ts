import request from 'supertest';
import { StandaloneSandbox, startStandaloneSandbox } from '../../src/sandbox/eccaex/standalone-app';
import { freePort, freshDatabase, TestDatabase } from '../support/app';

jest.setTimeout(180_000);

/** `npm run sandbox` serves the CryptoSteroid emulator too, with the merchant and key it prints. */
describe('CryptoSteroid sandbox in `npm run sandbox`', () => {
  let db: TestDatabase;
  let sandbox: StandaloneSandbox;

  beforeAll(async () => {
    db = await freshDatabase();
    sandbox = await startStandaloneSandbox({ SANDBOX_PORT: String(await freePort()), DATABASE_URL: db.url, DATA_DIR: db.dataDir, LOG_LEVEL: 'silent' }, { host: '127.0.0.1' });
  });
  afterAll(async () => {
    await sandbox?.close();
    await db?.drop();
  });

  it('the banner names the merchant and key; the merchant API takes them; the page is served', async () => {
    const { merchantId, apiKey } = sandbox.settings.cryptosteroid;
    expect(sandbox.banner).toContain(merchantId);
    expect(sandbox.banner).toContain(apiKey);
    const http = request(sandbox.url);
    const created = await http
      .post(`/sandbox/cryptosteroid/merchants/${merchantId}/invoices`)
      .set('X-Api-Key', apiKey)
      .send({ fiatCurrency: 'EUR', fiatAmount: '12.50', description: 'standalone' })
      .expect(201);
    expect(created.body).toMatchObject({ merchantId, fiatAmount: '12.50', status: 'NEW', invoiceUrl: `${sandbox.settings.publicBaseUrl}/sandbox/cryptosteroid/pay/${created.body.invoiceId}` });
    await http.get(`/sandbox/cryptosteroid/merchants/${merchantId}/invoices/${created.body.invoiceId}`).set('X-Api-Key', 'wrong-key-0123456789').expect(403);
    await http.get(`/sandbox/cryptosteroid/pay/${created.body.invoiceId}`).expect(200).expect('content-type', /html/);
  });
});
