import { StandaloneSandbox, startStandaloneSandbox } from '../../src/sandbox/eccaex/standalone-app';
import { freePort, freshDatabase, TestDatabase } from '../support/app';
import { createBody, dpayPost, field } from './smartwm-helpers';

jest.setTimeout(180_000);

/** `npm run sandbox` serves the SmartWM emulator too, as the cash register it prints. */
describe('SmartWM sandbox in `npm run sandbox`', () => {
  let db: TestDatabase;
  let sandbox: StandaloneSandbox;

  beforeAll(async () => {
    db = await freshDatabase();
    sandbox = await startStandaloneSandbox(
      { SANDBOX_PORT: String(await freePort()), DATABASE_URL: db.url, DATA_DIR: db.dataDir, LOG_LEVEL: 'silent', SMARTWM_CLIENT_ID: '48151', SMARTWM_SECRET: 'swm_test_secret_0123456789abcdef' },
      { host: '127.0.0.1' },
    );
  });
  afterAll(async () => {
    await sandbox?.close();
    await db?.drop();
  });

  it('the banner names the cash register; a request signed with its secret creates an invoice; a wrong signature is refused', async () => {
    const { clientId, secret } = sandbox.settings.smartwm;
    expect(sandbox.banner).toContain(clientId);
    expect(sandbox.banner).toContain(secret);
    const created = await dpayPost(sandbox.url, 'create', createBody());
    expect(created.status).toBe(200);
    expect(created.signed).toBe(true);
    expect(typeof field(created.json, 'tracking')).toBe('string');
    const forged = await dpayPost(sandbox.url, 'create', createBody(), { secret: 'not-the-cash-registers-secret' });
    expect(forged.signed && forged.status === 200).toBe(false);
  });
});
