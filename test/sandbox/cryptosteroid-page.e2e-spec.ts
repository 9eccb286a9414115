import { PAGE_CSP } from '../../src/common/http-hardening';
import { CS_PAYMENT_METHODS } from '../../src/gateways/cryptosteroid/cryptosteroid.types';
import { CS_CONTROL, CsSandboxApp, startCsSandbox } from '../support/cryptosteroid-sandbox';
import { ext, Receiver } from './helpers';

jest.setTimeout(60_000);

const PAY = '/sandbox/cryptosteroid/pay';

/** The hosted payment page at HTTP level: choose a coin, pay in full / in part / too much, let it expire. */
describe('CryptoSteroid sandbox: hosted payment page', () => {
  let cs: CsSandboxApp;
  let receiver: Receiver;
  let key: Record<string, string>;

  beforeAll(async () => {
    cs = await startCsSandbox();
    key = { 'X-Api-Key': cs.apiKey };
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await cs?.close();
  });

  const create = async (over: Record<string, unknown> = {}) =>
    (
      await cs.http
        .post(cs.invoices)
        .set(key)
        .send({
          fiatCurrency: 'EUR',
          fiatAmount: '1250.00',
          description: 'Premium plan',
          externalId: ext('page'),
          returnUrl: 'https://shop.example/pay/ok',
          failReturnUrl: 'https://shop.example/pay/fail',
          ...over,
        })
        .expect(201)
    ).body as Record<string, any>;
  const api = async (id: string) => (await cs.http.get(`${cs.invoices}/${id}`).set(key).expect(200)).body as Record<string, any>;
  const show = async (id: string, status = 200) => {
    const r = await cs.http.get(`${PAY}/${id}`).expect(status);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    return r.text;
  };
  /** A form post as a browser sends it; the page answers 303 back to itself. */
  const post = async (id: string, action: string, form: Record<string, string> = {}) => {
    const r = await cs.http.post(`${PAY}/${id}/${action}`).type('form').send(form);
    if (r.status === 303) expect(r.headers.location).toBe(`${PAY}/${id}`);
    return r;
  };

  it('the invoiceUrl opens the coin chooser: every method with its amount, the countdown, no inline script', async () => {
    const inv = await create();
    expect(inv.invoiceUrl).toBe(`${cs.url}${PAY}/${inv.invoiceId}`);
    const r = await cs.http.get(new URL(inv.invoiceUrl).pathname).expect(200);
    expect(r.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(r.headers['cache-control']).toBe('no-store');
    const html = r.text;
    expect(html).toContain('Choose a coin');
    expect(html).toContain('1,250.00 EUR');
    for (const m of CS_PAYMENT_METHODS) expect(html).toContain(`value="${m}"`);
    expect(html).toMatch(/USDT_TRC20<\/span>/);
    expect(html).toContain(`data-expires="${new Date(inv.expiresAt).toISOString()}"`);
    expect(html).toMatch(/Time left to pay: <span class="left">(30:00|29:5\d)<\/span>/);
    // the only script is a same-origin file, so a CSP without 'unsafe-inline' still runs it
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/sandbox/cryptosteroid/assets/countdown.js" defer>']);
    const js = await cs.http.get('/sandbox/cryptosteroid/assets/countdown.js').expect(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.text).toContain('data-expires');
  });

  it('choose a coin → WAITING: the address, the coin amount and the wallet buttons; the timer keeps running from creation', async () => {
    const inv = await create();
    const r = await post(inv.invoiceId, 'coin', { method: 'USDT_TRC20' });
    expect(r.status).toBe(303);
    const now = await api(inv.invoiceId);
    expect(now).toMatchObject({ status: 'WAITING', payment: { method: 'USDT_TRC20', amount: '1372.282610' }, expiresAt: inv.expiresAt });
    const html = await show(inv.invoiceId);
    expect(html).toContain(`>${now.payment.address}</code>`);
    expect(html).toContain('Send 1372.282610 USDT_TRC20');
    expect(html).toContain('Pay in full (1372.282610 USDT_TRC20)');
    for (const b of ['Pay part', 'Overpay', 'Let it expire', 'Pay with another coin']) expect(html).toContain(b);
    expect(html).toContain(`data-expires="${new Date(inv.expiresAt).toISOString()}"`);
  });

  it('pay part → still due shown, no webhook; pay the rest → receipt with the way back to returnUrl, one webhook', async () => {
    const path = `/page-hook/${ext()}`;
    const inv = await create({ paymentMethod: 'LTC', secret: 's3cret-for-page', processingUrl: `${receiver.url}${path}` });
    expect((await post(inv.invoiceId, 'send', { kind: 'part', amount: '5' })).status).toBe(303);
    let html = await show(inv.invoiceId);
    const due = (await api(inv.invoiceId)).payment;
    expect(due.paid.received).toBe('5.00000000');
    expect(html).toContain('Received so far: <strong>5.00000000 LTC</strong>');
    expect(html).not.toContain('Pay with another coin');
    expect(receiver.to(path)).toHaveLength(0);

    expect((await post(inv.invoiceId, 'send', { kind: 'full' })).status).toBe(303);
    const paid = await api(inv.invoiceId);
    expect(paid.status).toBe('PAID');
    expect(paid.payment.paid.received).toBe(paid.payment.amount);
    html = await show(inv.invoiceId);
    expect(html).toContain('Payment received');
    expect(html).toContain('1,250.00 EUR');
    expect(html).toContain(`<td>${paid.payment.amount} LTC</td>`);
    expect(html).toContain('<a href="https://shop.example/pay/ok">Return to the shop</a>');
    for (const h of paid.payment.paid.hash) expect(html).toContain(h);
    expect(html).not.toContain('data-expires');
    const [d] = await receiver.waitFor(path, 1);
    expect(d!.headers.token).toBe('s3cret-for-page');
  });

  it('overpay → PAID, the receipt says how much more arrived', async () => {
    const inv = await create({ paymentMethod: 'USDT_ERC20', fiatCurrency: 'USD', fiatAmount: '100.00' });
    await post(inv.invoiceId, 'send', { kind: 'over', amount: '120' });
    expect((await api(inv.invoiceId)).payment.paid).toMatchObject({ received: '120.000000', finished: true });
    expect(await show(inv.invoiceId)).toContain('You sent 19.000000 USDT_ERC20 more than asked.');
  });

  it('let it expire → EXPIRED, the way back to failReturnUrl; what arrived in part is said', async () => {
    const inv = await create({ paymentMethod: 'DOGE' });
    await post(inv.invoiceId, 'send', { kind: 'part' });
    expect((await post(inv.invoiceId, 'expire')).status).toBe(303);
    const now = await api(inv.invoiceId);
    expect(now.status).toBe('EXPIRED');
    const html = await show(inv.invoiceId);
    expect(html).toContain('Invoice expired');
    expect(html).toContain(`${now.payment.paid.received} of ${now.payment.amount} DOGE arrived before it closed`);
    expect(html).toContain('<a href="https://shop.example/pay/fail">Return to the shop</a>');
    expect(html).not.toContain('<form');

    const fresh = await create();
    await post(fresh.invoiceId, 'expire');
    expect((await api(fresh.invoiceId)).status).toBe('EXPIRED');
    expect(await show(fresh.invoiceId)).not.toContain('arrived before it closed');
  });

  it('another coin while nothing arrived: a new address and amount', async () => {
    const inv = await create({ paymentMethod: 'BTC' });
    await post(inv.invoiceId, 'coin', { method: 'ETH' });
    const now = await api(inv.invoiceId);
    expect(now.payment.method).toBe('ETH');
    expect(now.payment.address).not.toBe(inv.payment.address);
    expect(now.payment.address).toMatch(/^0x[0-9a-f]{40}$/);
  });

  it('refusals show the page again with the reason: closed invoice 409, bad amount 422, unknown coin 422; unknown invoice 404', async () => {
    const inv = await create({ paymentMethod: 'TRX' });
    let r = await post(inv.invoiceId, 'send', { kind: 'part', amount: '-3' });
    expect(r.status).toBe(422);
    expect(r.text).toMatch(/role="alert">amount must be a decimal string/);
    r = await post(inv.invoiceId, 'send', { kind: 'part', amount: '1.1234567' });
    expect(r.status).toBe(422);
    expect(r.text).toContain('decimal places');
    r = await post(inv.invoiceId, 'send', { kind: 'gift' });
    expect(r.status).toBe(422);
    await post(inv.invoiceId, 'send', { kind: 'part', amount: '1' });
    r = await post(inv.invoiceId, 'coin', { method: 'BTC' });
    expect(r.status).toBe(409);
    expect(r.text).toContain('role="alert"');
    expect((await api(inv.invoiceId)).payment.method).toBe('TRX');
    r = await post(inv.invoiceId, 'coin', {});
    expect(r.status).toBe(422);

    const fresh = await create();
    r = await post(fresh.invoiceId, 'coin', { method: 'XRP' });
    expect(r.status).toBe(422);
    expect((await api(fresh.invoiceId)).status).toBe('NEW');
    r = await post(fresh.invoiceId, 'send', { kind: 'full' });
    expect(r.status).toBe(409);
    expect(r.text).toContain('Choose a coin first');

    await cs.http.post(`${CS_CONTROL}/invoices/${inv.invoiceId}/simulate`).send({ outcome: 'paid' }).expect(200);
    r = await post(inv.invoiceId, 'send', { kind: 'full' });
    expect(r.status).toBe(409);
    expect(r.text).toContain('The invoice is PAID');

    expect(await show('0b6f3c1e-8a55-4a8e-9b0f-3f7c1d2e4a5b', 404)).toContain('Invoice not found');
    expect(await show('not-an-id', 404)).toContain('Invoice not found');
  });

  it('what the merchant sent is escaped', async () => {
    const inv = await create({ description: '<img src=x onerror=alert(1)> & "quotes"', externalId: 'a<b>' });
    const html = await show(inv.invoiceId);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
    expect(html).toContain('Order a&lt;b&gt;');
    expect(html).not.toContain('<img');
  });
});
