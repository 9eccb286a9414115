import { ops, startTestApp, TestApp } from '../support/app';
import { inbox, orderOf, waitForStatus } from '../support/callbacks';
import { createOrderFor, deliver, GATEWAY_DRIVERS, GatewayDriver, Outcome, outcomesOf } from '../support/gateways';

jest.setTimeout(300_000);

const ORDER_STATUS: Record<Outcome, string> = { success: 'paid', fail: 'failed', expire: 'expired', cancel: 'canceled' };

/**
 * What the shared suites rely on from each gateway driver (test/support/gateways), run for every
 * registered driver against its sandbox in one service: outcomes reach the order, a trusted
 * callback is stored and read back, a forged one is refused with nothing stored, and a failing
 * read-back is the gateway's trouble until the fault is cleared.
 */
describe('gateway drivers', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(Object.assign({}, ...GATEWAY_DRIVERS.map((d) => d.env)) as Record<string, string>);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe.each(GATEWAY_DRIVERS.map((d) => [d.name, d] as const))('%s', (_name, driver: GatewayDriver) => {
    afterEach(async () => {
      await driver.clearFaults(app.http);
      await driver.muteCallbacks(app.http, false);
    });

    it.each(outcomesOf(driver).map((o) => [o]))('settle %s: the order follows', async (outcome) => {
      const order = await createOrderFor(app.http, driver);
      expect(order).toMatchObject({ provider: driver.name, status: 'awaiting_payment' });
      await driver.settle(app.http, order, outcome);
      if (outcome === 'cancel' || outcome === 'expire') {
        // Neither gateway need call back for these: the read-back finds them.
        await app.http.post(`/v1/orders/${order.id}/reconcile`).set(ops).expect(200);
      }
      await waitForStatus(app.http, order.id, ORDER_STATUS[outcome]);
    });

    it('a trusted callback is stored and read back; the order moves only by what the gateway says', async () => {
      await driver.muteCallbacks(app.http, true);
      const order = await createOrderFor(app.http, driver);
      // Claims success before anything happened: stored, read back, the order stays open.
      const early = await deliver(app.http, driver.callback(order, 'success'));
      expect([early.status, early.body]).toEqual([200, { received: true, duplicate: false }]);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
      await driver.settle(app.http, order, 'success');
      const again = await deliver(app.http, driver.callback(order, 'success'));
      expect(again.status).toBe(200);
      await waitForStatus(app.http, order.id, 'paid');
    });

    it('a forged callback: 401 with the driver\'s code, nothing stored, nothing moves', async () => {
      await driver.muteCallbacks(app.http, true);
      const order = await createOrderFor(app.http, driver);
      await driver.settle(app.http, order, 'success');
      const before = (await inbox(app.http)).length;
      const r = await deliver(app.http, driver.forged(order, 'success'));
      expect([r.status, r.body.error?.code]).toEqual([401, driver.rejectionCode]);
      expect((await inbox(app.http)).length).toBe(before);
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
    });

    it('a failing read-back is the gateway\'s trouble (503), until the fault is cleared', async () => {
      await driver.muteCallbacks(app.http, true);
      const order = await createOrderFor(app.http, driver);
      await driver.settle(app.http, order, 'success');
      await driver.failReadBack(app.http, 503);
      const r = await app.http.post(`/v1/orders/${order.id}/reconcile`).set(ops);
      expect([r.status, r.body.error?.code]).toEqual([503, 'GATEWAY_UNAVAILABLE']);
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
      await driver.clearFaults(app.http);
      expect((await app.http.post(`/v1/orders/${order.id}/reconcile`).set(ops).expect(200)).body.status).toBe('paid');
    });
  });
});
