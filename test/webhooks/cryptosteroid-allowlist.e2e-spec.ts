import { startTestApp, TestApp } from '../support/app';
import { inbox } from '../support/callbacks';
import { createOrderFor, deliver } from '../support/gateways';
import { cryptosteroidDriver } from '../support/gateways/cryptosteroid';

jest.setTimeout(300_000);

const PROVIDER_IP = '82.117.255.226';

/**
 * CRYPTOSTEROID_ALLOWED_IPS: a callback from elsewhere is 401 with nothing stored. The caller's
 * address is the socket's unless TRUST_PROXY names the proxy in front: only then is
 * X-Forwarded-For believed.
 */
describe.each([
  ['TRUST_PROXY unset: X-Forwarded-For is not believed', {}, false],
  ['TRUST_PROXY names the proxy (loopback here): X-Forwarded-For is believed', { TRUST_PROXY: '127.0.0.1' }, true],
])('CryptoSteroid callbacks with CRYPTOSTEROID_ALLOWED_IPS (%s)', (_name, env: Record<string, string>, proxied: boolean) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ ...cryptosteroidDriver.env, CRYPTOSTEROID_ALLOWED_IPS: PROVIDER_IP, ...env });
    await cryptosteroidDriver.muteCallbacks(app.http, true);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('from this machine, with the right token: 401, nothing stored', async () => {
    const order = await createOrderFor(app.http, cryptosteroidDriver);
    const before = (await inbox(app.http)).length;
    const r = await deliver(app.http, cryptosteroidDriver.callback(order, 'success'));
    expect([r.status, r.body.error?.code, r.body.error?.details?.reason]).toEqual([401, 'INVALID_TOKEN', expect.stringContaining('CRYPTOSTEROID_ALLOWED_IPS')]);
    expect((await inbox(app.http)).length).toBe(before);
  });

  it(`claiming the provider's address in X-Forwarded-For: ${proxied ? 'taken' : 'still 401'}`, async () => {
    const order = await createOrderFor(app.http, cryptosteroidDriver);
    const cb = cryptosteroidDriver.callback(order, 'success');
    const r = await deliver(app.http, { ...cb, headers: { ...cb.headers, 'X-Forwarded-For': PROVIDER_IP } });
    if (proxied) expect([r.status, r.body]).toEqual([200, { received: true, duplicate: false }]);
    else expect([r.status, r.body.error?.code]).toEqual([401, 'INVALID_TOKEN']);
  });
});
