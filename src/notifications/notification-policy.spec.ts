import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { notificationTypeOf, RETRY_WINDOW_S, retryDelaySeconds, retryScaleFrom, signStandardWebhook } from './notification-policy';

describe('notification policy', () => {
  it.each([
    [{ type: 'order.status_changed', to_status: 'paid' }, 'order.paid'],
    [{ type: 'order.status_changed', to_status: 'failed' }, 'order.failed'],
    [{ type: 'order.status_changed', to_status: 'expired' }, 'order.expired'],
    [{ type: 'order.status_changed', to_status: 'canceled' }, 'order.canceled'],
    [{ type: 'order.adjusted', to_status: 'paid' }, 'order.adjusted'],
    [{ type: 'order.status_changed', to_status: 'awaiting_payment' }, null],
    [{ type: 'order.status_changed', to_status: 'pending' }, null],
    [{ type: 'order.created', to_status: 'pending' }, null],
    [{ type: 'order.payment_updated', to_status: 'awaiting_payment' }, null],
    [{ type: 'order.invoice_attached', to_status: 'paid' }, null],
  ])('%j → %s', (event, type) => {
    expect(notificationTypeOf(event)).toBe(type);
  });

  it('backs off 5 s, 30 s, 2 min ... 8 h, then 8 h again, and covers at least 24 h', () => {
    // Written out, not read from the module: the schedule is the promise under test.
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => retryDelaySeconds(n, 1))).toEqual([5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800, 28800]);
    expect(RETRY_WINDOW_S).toBe(86_400);
    // Attempts go on while an attempt fails before the window closes: the last one is at or past 24 h.
    let t = 0;
    let failed = 0;
    while (t < RETRY_WINDOW_S) {
      failed++;
      t += retryDelaySeconds(failed, 1);
    }
    expect(t).toBeGreaterThanOrEqual(24 * 3600);
    expect(failed + 1).toBe(12); // attempts in all, the last one at ~31.9 h
    expect(retryDelaySeconds(1, 0.01)).toBeCloseTo(0.05);
  });

  it('NOTIFICATION_RETRY_SCALE: default 1, a positive number, anything else stops start-up', () => {
    expect(retryScaleFrom({})).toBe(1);
    expect(retryScaleFrom({ NOTIFICATION_RETRY_SCALE: '0.01' })).toBe(0.01);
    expect(retryScaleFrom({ NOTIFICATION_RETRY_SCALE: '2' })).toBe(2);
    for (const bad of ['0', '-1', 'abc', '1,5', 'Infinity']) {
      expect(() => retryScaleFrom({ NOTIFICATION_RETRY_SCALE: bad })).toThrow(/NOTIFICATION_RETRY_SCALE/);
    }
  });

  it('signs per Standard Webhooks (checked with the reference library)', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const body = JSON.stringify({ type: 'order.paid', timestamp: new Date().toISOString(), data: { id: 'x' } });
    const id = '0d9b1c52-8f7a-4d8b-9d5e-3f0f2b1c1a11';
    const ts = Math.floor(Date.now() / 1000);
    const signature = signStandardWebhook(secret, id, ts, body);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(signature).toBe(new Webhook(secret).sign(id, new Date(ts * 1000), body));
    expect(new Webhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature })).toEqual(JSON.parse(body));
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(other).verify(body, { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature })).toThrow();
  });
});
