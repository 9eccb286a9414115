import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../src/gateways/gateway.errors';
import { INVALID_RESPONSE_SIGNATURE, SmartwmCallEvent, SmartwmClient } from '../../src/gateways/smartwm/smartwm.client';
import { customerPageUrl, SmartwmGateway } from '../../src/gateways/smartwm/smartwm.gateway';
import { smartwmStatusUrl } from '../../src/gateways/smartwm/smartwm.callbacks';
import type { CreateInvoiceInput, InvoiceRef } from '../../src/gateways/gateway.port';
import { CLIENT_ID, pid, SECRET, SWM_CONTROL, SwmSandbox, withSmartwmSandbox } from '../sandbox/smartwm-helpers';

jest.setTimeout(60_000);

const PUBLIC = 'https://pay.shop.example';

/** The adapter against the SmartWM emulator served on a local port (signatures checked both ways, as the platform does). */
describe('SmartwmGateway against the SmartWM sandbox', () => {
  let sb: SwmSandbox;
  withSmartwmSandbox((started) => (sb = started));

  let events: SmartwmCallEvent[];
  const make = (secret = SECRET) => {
    const client = new SmartwmClient({ baseUrl: `${sb.url}/sandbox/smartwm`, clientId: CLIENT_ID, secret, timeoutMs: 5000 });
    client.onCall = (e) => events.push(e);
    return new SmartwmGateway(client, { settings: { paymentMethods: ['visamaster.uah', 'mpesa-congo.usd', 'orange_money-ci.xof'], timeoutMs: 5000, utcOffset: 'Z' }, publicBaseUrl: PUBLIC });
  };
  let gw: SmartwmGateway;
  beforeEach(async () => {
    events = [];
    gw = make();
    await sb.http.delete(`${SWM_CONTROL}/faults`).expect(200);
  });

  const input = (over: Partial<CreateInvoiceInput> = {}): CreateInvoiceInput => {
    const orderId = randomUUID();
    return {
      orderId,
      amount: '5000.00',
      currency: 'UAH',
      customerId: 'user_1',
      externalId: pid('order'),
      description: 'Premium',
      callbackUrl: smartwmStatusUrl(PUBLIC, orderId, 'tok_0123456789abcdef0123456789abcdef'),
      callbackCredential: 'tok_0123456789abcdef0123456789abcdef',
      successUrl: 'https://shop.example/success',
      failUrl: 'https://shop.example/fail',
      paymentMethod: 'visamaster.uah',
      ...over,
    };
  };
  const refOf = (i: CreateInvoiceInput, invoiceId: string | null = null): InvoiceRef => ({ invoiceId, externalId: i.externalId, orderId: i.orderId });
  const requests = async (q: Record<string, string>) => (await sb.http.get(`${SWM_CONTROL}/requests`).query(q).expect(200)).body.requests as Array<Record<string, any>>;
  const simulate = (ref: string, body: Record<string, unknown>) => sb.http.post(`${SWM_CONTROL}/invoices/${encodeURIComponent(ref)}/simulate`).send(body).expect(200);
  const fault = (body: Record<string, unknown>) => sb.http.post(`${SWM_CONTROL}/faults`).send(body).expect(201);

  it('a card method: create (payment_id = external_id, status_url = the order callback) then process; the pay_form becomes the customer page', async () => {
    const i = input();
    const invoice = await gw.createInvoice(i);
    expect(invoice).toMatchObject({ externalId: i.externalId, status: 'pending', rawStatus: 'PAYIN', amount: '5000.00', currency: 'UAH', payment: null });
    expect(invoice.paymentLink).toBe(customerPageUrl(PUBLIC, i.orderId));

    const [create] = await requests({ endpoint: 'create', payment_id: i.externalId });
    expect(create).toMatchObject({ signature_ok: true, http_status: 200, error_code: null });
    expect(JSON.parse(create!.request)).toEqual({
      payment_id: i.externalId,
      currency: 'visamaster.uah',
      amount: 5000,
      description: 'Premium',
      account: 'user_1',
      success_url: 'https://shop.example/success',
      fail_url: 'https://shop.example/fail',
      status_url: i.callbackUrl,
    });
    expect(create!.request).toContain('"amount":5000.00');

    const page = await gw.paymentPage(refOf(i, invoice.invoiceId));
    expect(page).toMatchObject({ kind: 'form', method: 'POST', action: `${sb.url}/sandbox/smartwm/pay/${invoice.invoiceId}` });
    if (page?.kind !== 'form') throw new Error('not a form');
    expect(Object.keys(page.fields)).toEqual(['CLIENT_ID', 'INVOICE_ID', 'TRACKING', 'SIGN_ORDER', 'SIGN']);
    // The fields as read are the ones the platform signed: submitting them lands on its page.
    const landed = await fetch(page.action, { method: 'POST', body: new URLSearchParams(page.fields), redirect: 'manual' });
    expect(landed.status).toBe(303);
    expect(events.every((e) => e.outcome === 'ok')).toBe(true);
  });

  it('mobile money: the pay_link is the payment link', async () => {
    const i = input({ currency: 'USD', amount: '25.00', paymentMethod: 'mpesa-congo.usd' });
    const invoice = await gw.createInvoice(i);
    expect(invoice.paymentLink).toBe(`${sb.url}/sandbox/smartwm/pay/${invoice.invoiceId}`);
    expect(await gw.paymentPage(refOf(i))).toEqual({ kind: 'redirect', url: invoice.paymentLink });
  });

  it('"Transaction already exists": answered by a status read, never a second invoice', async () => {
    const i = input();
    const first = await gw.createInvoice(i);
    const again = await gw.createInvoice(i);
    expect(again).toMatchObject({ invoiceId: first.invoiceId, externalId: i.externalId, amount: '5000.00', currency: 'UAH', status: 'pending', rawStatus: 'PAYIN' });
    expect(again.paymentLink).toBe(customerPageUrl(PUBLIC, i.orderId));
    const byPaymentId = await requests({ payment_id: i.externalId });
    expect(byPaymentId.map((r) => [r.endpoint, r.error_code])).toEqual([
      ['create', null],
      ['create', '0'],
      ['status', null],
    ]);
    expect((await requests({ tracking: first.invoiceId })).map((r) => r.endpoint)).toEqual(['create', 'process', 'status']);
  });

  it('an unclear create (the work done, no answer) is not repeated by the adapter; a read finds the invoice', async () => {
    await fault({ endpoint: 'create', mode: 'timeout_after_work', hang_ms: 60_000, times: 1 });
    const short = new SmartwmGateway(new SmartwmClient({ baseUrl: `${sb.url}/sandbox/smartwm`, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 500 }), {
      settings: { paymentMethods: ['visamaster.uah'], timeoutMs: 500, utcOffset: 'Z' },
      publicBaseUrl: PUBLIC,
    });
    const i = input();
    const err = await short.createInvoice(i).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).unclear).toBe(true);
    expect((await requests({ endpoint: 'create', payment_id: i.externalId })).length).toBe(1);
    expect(await gw.getInvoice(refOf(i))).toMatchObject({ externalId: i.externalId, status: 'pending', rawStatus: 'CREATED', paymentLink: customerPageUrl(PUBLIC, i.orderId) });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown> | null]>([
    ['PAYED', { status: 'PAYED' }, { status: 'success', rawStatus: 'PAYED' }, { adjusted: false, credited: { amount: '4900.00', unit: 'UAH' }, fee: { amount: '100.00', unit: 'UAH' }, received: { amount: '5000.00', unit: 'UAH' } }],
    ['FINISHED', { status: 'FINISHED' }, { status: 'success', rawStatus: 'FINISHED' }, { adjusted: false, credited: { amount: '4900.00', unit: 'UAH' } }],
    [
      'PAYED_RECALC: adjusted, credited the recalculated accrual_amount (never the requested amount)',
      { status: 'PAYED_RECALC', accrual_amount: '3920.00', fee: '80.00' },
      { status: 'success', rawStatus: 'PAYED_RECALC' },
      { adjusted: true, credited: { amount: '3920.00', unit: 'UAH' }, fee: { amount: '80.00', unit: 'UAH' }, expected: { amount: '5000.00', unit: 'UAH' }, received: null },
    ],
    ['FAILED', { status: 'FAILED', error: 'Card declined' }, { status: 'fail', rawStatus: 'FAILED', paymentLink: null }, { adjusted: false, credited: null }],
    ['PAYIN_ERROR', { status: 'PAYIN_ERROR' }, { status: 'fail', rawStatus: 'PAYIN_ERROR' }, { adjusted: false }],
    ['CANCELED', { status: 'CANCELED' }, { status: 'canceled', rawStatus: 'CANCELED' }, { adjusted: false }],
  ])('status %s', async (_name, sim, expected, payment) => {
    const i = input();
    const created = await gw.createInvoice(i);
    await simulate(created.invoiceId, sim);
    const read = await gw.getInvoice(refOf(i));
    expect(read).toMatchObject({ invoiceId: created.invoiceId, externalId: i.externalId, amount: '5000.00', currency: 'UAH', ...expected });
    expect(read!.finishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(read!.payment).toMatchObject({ method_code: 'visamaster.uah', ...payment });
    expect(read!.payment!.details).toMatchObject({ tracking: created.invoiceId, accrual_currency: expected.status === 'success' ? 'UAH' : null });
    // By tracking too, the same answer.
    expect((await gw.getInvoice(refOf(i, created.invoiceId)))!.rawStatus).toBe(expected.rawStatus);
    // A final invoice has no payment page any more.
    expect(await gw.paymentPage(refOf(i))).toBeNull();
  });

  it('the method actually used is the one reported', async () => {
    const i = input({ currency: 'XOF', amount: '1500.00', paymentMethod: 'orange_money-ci.xof' });
    const created = await gw.createInvoice(i);
    await simulate(created.invoiceId, { status: 'PAYED', method: 'mtn-ci.xof' });
    expect((await gw.getInvoice(refOf(i)))!.payment).toMatchObject({ method_code: 'mtn-ci.xof', credited: { unit: 'XOF' } });
  });

  it('an unknown invoice: null', async () => {
    expect(await gw.getInvoice({ invoiceId: null, externalId: pid('nobody'), orderId: randomUUID() })).toBeNull();
  });

  it.each(['signature', 'missing', 'body'])('a tampered status answer (%s): an error that gives nothing, counted; the next read settles', async (tamper) => {
    const i = input();
    const created = await gw.createInvoice(i);
    await simulate(created.invoiceId, { status: 'FAILED' });
    await fault({ endpoint: 'status', mode: 'bad_signature', tamper, times: 1 });
    const err = await gw.getInvoice(refOf(i)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).info.code).toBe(INVALID_RESPONSE_SIGNATURE);
    expect(gw.client.signatureFailures).toBe(1);
    expect(events.filter((e) => e.endpoint === 'status').map((e) => e.outcome)).toEqual(['invalid_signature']);
    expect((await gw.getInvoice(refOf(i)))!.status).toBe('fail');
  });

  it('a wrong secret: the platform refuses the request, and its answer does not verify with our secret either', async () => {
    const wrong = make('not_the_cash_register_secret');
    const i = input();
    const err = await wrong.createInvoice(i).catch((e: unknown) => e);
    expect((err as GatewayError).info.code).toBe(INVALID_RESPONSE_SIGNATURE);
    const [rec] = await requests({ endpoint: 'create', payment_id: i.externalId });
    expect(rec).toMatchObject({ signature_ok: false, http_status: 403 });
    expect(await gw.getInvoice(refOf(i))).toBeNull();
  });

  it('process failing after the create: the invoice stands and the payment link is the customer page (which processes when visited)', async () => {
    await fault({ endpoint: 'process', mode: 'error', status: 503, times: 1 });
    const i = input();
    const invoice = await gw.createInvoice(i);
    expect(invoice).toMatchObject({ status: 'pending', rawStatus: 'CREATED', paymentLink: customerPageUrl(PUBLIC, i.orderId) });
    expect((await gw.paymentPage(refOf(i)))?.kind).toBe('form');
  });
});
