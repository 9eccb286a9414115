import { JsonNumber } from '../../src/common/json-exact';
import { signDpay, verifyDpay } from '../../src/gateways/smartwm/smartwm-signature';
import {
  CLIENT_ID,
  createBody,
  createInvoice,
  dpayPost,
  DPAY_TIME,
  field,
  pid,
  processInvoice,
  SECRET,
  withSmartwmSandbox,
  statusOf,
  SwmSandbox,
  SWM_API,
  SWM_CONTROL,
  SWM_PAY,
  TRACKING,
} from './smartwm-helpers';

jest.setTimeout(60_000);

const num = (v: unknown) => (v instanceof JsonNumber ? v.source : `not a JSON number: ${JSON.stringify(v)}`);

/** The emulated DPAY invoice API: request signatures, signed answers, create/process/status/statement, the request record. */
describe('SmartWM sandbox: the DPAY invoice API', () => {
  let sb: SwmSandbox;
  withSmartwmSandbox((started) => (sb = started));

  const requests = async (query: Record<string, string>) =>
    (await sb.http.get(`${SWM_CONTROL}/requests`).query(query).expect(200)).body.requests as Array<Record<string, any>>;
  const simulate = (ref: string, body: Record<string, unknown>) => sb.http.post(`${SWM_CONTROL}/invoices/${encodeURIComponent(ref)}/simulate`).send(body);

  describe('request signatures (DPAY_CLIENT, DPAY_SECURE over the exact bytes)', () => {
    it('a request signed over its exact bytes is served, and the answer is signed over its exact bytes', async () => {
      const body = createBody();
      const r = await dpayPost(sb.url, 'create', body);
      expect(r.status).toBe(200);
      expect(r.signed).toBe(true);
      expect(r.headers.get('dpay_secure')).toBe(signDpay(SECRET, r.raw));
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      // another secret does not verify the same answer
      expect(verifyDpay('another_secret_0123456789', r.raw, r.headers.get('dpay_secure') ?? undefined)).toBe(false);
    });

    it.each<[string, { client?: string | null; signature?: string | null; secret?: string }, string, boolean]>([
      ['no DPAY_SECURE', { signature: null }, 'Access denied: invalid DPAY_SECURE', true],
      ['a DPAY_SECURE made with another secret', { secret: 'not_the_secret_0123456789' }, 'Access denied: invalid DPAY_SECURE', true],
      ['a DPAY_SECURE of other bytes', { signature: signDpay(SECRET, Buffer.from('{}')) }, 'Access denied: invalid DPAY_SECURE', true],
      ['a malformed DPAY_SECURE', { signature: 'not base64!' }, 'Access denied: invalid DPAY_SECURE', true],
      ['no DPAY_CLIENT', { client: null }, 'Access denied: unknown DPAY_CLIENT', false],
      ['another DPAY_CLIENT', { client: '99999' }, 'Access denied: unknown DPAY_CLIENT', false],
    ])('%s → 403 {"error":{"code":403}} and nothing is created', async (_name, opts, message, signed) => {
      const paymentId = pid('refused');
      const r = await dpayPost(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId) }), opts);
      expect(r.status).toBe(403);
      expect(r.text).toBe(`{"error":{"code":403,"message":"${message}"}}`);
      // Signed with the cash register's secret when the client is known; an unknown client gets no signature.
      expect(r.signed).toBe(signed);
      expect(r.headers.has('dpay_secure')).toBe(signed);
      expect(field((await statusOf(sb.url, { payment_id: paymentId })).json, 'error')).toEqual({ code: new JsonNumber('401'), message: 'Payment not found' });
      const [rec] = await requests({ endpoint: 'create', payment_id: paymentId });
      expect(rec).toMatchObject({ signature_ok: false, http_status: 403, error_code: '403' });
    });

    it('the bytes are what is signed: the same JSON re-serialised (100 for 100.00) no longer verifies', async () => {
      const body = createBody({ amount: '100.00' });
      const signature = signDpay(SECRET, Buffer.from(body));
      const same = await dpayPost(sb.url, 'create', body.replace('100.00', '100'), { signature });
      expect(same.status).toBe(403);
      const whitespace = await dpayPost(sb.url, 'create', `${body} `, { signature });
      expect(whitespace.status).toBe(403);
    });

    it('a non-ASCII body is verified over its UTF-8 bytes', async () => {
      const body = createBody({ description: '"Оплата заказа №7 — café"' });
      const r = await dpayPost(sb.url, 'create', body);
      expect(r.status).toBe(200);
      const tracking = field(r.json, 'tracking') as string;
      const inv = (await sb.http.get(`${SWM_CONTROL}/invoices/${tracking}`).expect(200)).body.invoice;
      expect(inv.description).toBe('Оплата заказа №7 — café');
    });
  });

  describe('create', () => {
    it('answers tracking (the long form) and payment_id; the invoice is CREATED with the exact amount', async () => {
      const paymentId = pid();
      const r = await dpayPost(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId), amount: '1234.50' }));
      expect(r.status).toBe(200);
      expect(Object.keys(r.json as object)).toEqual(['tracking', 'payment_id']);
      expect(field(r.json, 'tracking')).toMatch(TRACKING);
      expect(field(r.json, 'payment_id')).toBe(paymentId);
      const s = await statusOf(sb.url, { payment_id: paymentId });
      expect(s.text).toContain('"status":"CREATED","amount":1234.50,"fee":null,"accrual_amount":null,"accrual_currency":null,"is_recalc":false}');
    });

    it('takes the docs\' example request as is (payment_id and amount as JSON numbers, sender, extra_fields)', async () => {
      const n = String(Date.now());
      const body = `{ "payment_id": ${n}, "currency": "visamaster.uah", "amount": 100.00, "description": "Some payment description", "sender": "4444111144441111", "success_url": "https://test.ua/success/123", "fail_url": "https://test.ua/fail/123", "status_url": "https://test.ua", "extra_fields": { "field_name": "field_value" } }`;
      const r = await dpayPost(sb.url, 'create', body);
      expect(r.status).toBe(200);
      expect(field(r.json, 'payment_id')).toBe(n);
      const inv = (await sb.http.get(`${SWM_CONTROL}/invoices/${n}`).expect(200)).body.invoice;
      expect(inv).toMatchObject({ amount: 100, sender: '4444111144441111', status_url: 'https://test.ua', extra_fields: { field_name: 'field_value' } });
    });

    it('an amount as a decimal string is read exactly too', async () => {
      const { payment_id } = await createInvoice(sb.url, { amount: '"0.10"' });
      expect((await statusOf(sb.url, { payment_id })).text).toContain('"amount":0.10,');
    });

    it('a repeated payment_id → {"error":{"code":0,"message":"Transaction already exists"}} at HTTP 200, signed; no second invoice', async () => {
      const paymentId = pid('dup');
      const first = await createInvoice(sb.url, { payment_id: JSON.stringify(paymentId) });
      const again = await dpayPost(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId), amount: '1.00' }));
      expect(again.status).toBe(200);
      expect(again.signed).toBe(true);
      expect(again.text).toBe('{"error":{"code":0,"message":"Transaction already exists"}}');
      const s = await statusOf(sb.url, { payment_id: paymentId });
      expect(field(s.json, 'tracking')).toBe(first.tracking);
      expect(num(field(s.json, 'amount'))).toBe('5000.00');
      expect((await requests({ endpoint: 'create', payment_id: paymentId })).map((x) => x.error_code)).toEqual([null, '0']);
    });

    it.each([
      ['no payment_id', { payment_id: '' }, 'Invalid payment_id: is required'],
      ['a blank payment_id', { payment_id: '"  "' }, 'Invalid payment_id: must be a non-empty string or a whole number'],
      ['a fractional payment_id', { payment_id: '1.5' }, 'Invalid payment_id: must be a non-empty string or a whole number'],
      ['no currency', { currency: '' }, 'Invalid currency: is required (a payment method code, e.g. visamaster.uah)'],
      ['a method the cash register lacks', { currency: '"paypal.usd"' }, 'Currency paypal.usd is not available for this cash register'],
      ['no amount', { amount: '' }, 'Invalid amount: must be a decimal number with a dot, e.g. 100.00'],
      ['an amount with a comma', { amount: '"100,00"' }, 'Invalid amount: must be a decimal number with a dot, e.g. 100.00'],
      ['a zero amount', { amount: '0.00' }, 'Invalid amount: must be greater than 0'],
      ['a negative amount', { amount: '-5.00' }, 'Invalid amount: must be greater than 0'],
      ['3 decimals on a fiat method', { amount: '1.005' }, 'Invalid amount: must have at most 2 decimal places for visamaster.uah'],
      ['a status_url that is not http(s)', { status_url: '"ftp://shop.example/ping"' }, 'Invalid status_url'],
      ['extra_fields as a list', { extra_fields: '[1]' }, 'Invalid extra_fields: must be an object'],
    ])('%s → code 400 at HTTP 200, nothing created', async (_name, over, message) => {
      const paymentId = pid('bad');
      const r = await dpayPost(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId), ...over }));
      expect(r.status).toBe(200);
      expect(r.signed).toBe(true);
      expect(field(r.json, 'error')).toEqual({ code: new JsonNumber('400'), message: expect.stringContaining(message) });
      expect(field((await statusOf(sb.url, { payment_id: paymentId })).json, 'error')).toMatchObject({ message: 'Payment not found' });
    });

    it('crypto methods take 8 decimals and answer them', async () => {
      const { payment_id } = await createInvoice(sb.url, { currency: '"usdt_trc20"', amount: '12.12345678' });
      expect((await statusOf(sb.url, { payment_id })).text).toContain('"currency":"usdt_trc20"');
      expect((await statusOf(sb.url, { payment_id })).text).toContain('"amount":12.12345678,');
    });

    it('a body that is not a JSON object → 400 code 400, signed', async () => {
      for (const body of ['[]', '"x"', '{"payment_id":']) {
        const r = await dpayPost(sb.url, 'create', body);
        expect(r.status).toBe(400);
        expect(r.signed).toBe(true);
        expect(field(r.json, 'error')).toMatchObject({ code: new JsonNumber('400') });
      }
    });
  });

  describe('process', () => {
    it('a card method answers PAYIN and a pay_form that posts its signed fields to the hosted page', async () => {
      const inv = await createInvoice(sb.url);
      const p = await processInvoice(sb.url, inv.tracking);
      expect(p).toMatchObject({ payment_id: inv.payment_id, tracking: inv.tracking, status: 'PAYIN' });
      expect(p.pay_link).toBeUndefined();
      const form = p.pay_form as string;
      expect(form).toMatch(new RegExp(`^<form method="POST" action="${sb.url}${SWM_PAY}/${inv.tracking}"`));
      const hidden = Object.fromEntries([...form.matchAll(/name="([A-Z_]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      expect(hidden).toMatchObject({ CLIENT_ID, INVOICE_ID: inv.payment_id, TRACKING: inv.tracking, SIGN_ORDER: 'CLIENT_ID;INVOICE_ID;TRACKING' });
      expect(hidden.SIGN).toBe(signDpay(SECRET, Buffer.from(`${CLIENT_ID}${inv.payment_id}${inv.tracking}`)));
    });

    it.each(['mpesa-congo.usd', 'orange_money-ci.xof', 'upi.inr', 'bank.ngn'])('%s answers a pay_link to the hosted page', async (method) => {
      const inv = await createInvoice(sb.url, { currency: JSON.stringify(method), amount: '10.00' });
      const p = await processInvoice(sb.url, inv.tracking);
      expect(p).toMatchObject({ status: 'PAYIN', pay_link: `${sb.url}${SWM_PAY}/${inv.tracking}` });
      expect(p.pay_form).toBeUndefined();
    });

    it('a crypto method adds where to send and the confirmations needed', async () => {
      const inv = await createInvoice(sb.url, { currency: '"usdt_trc20"', amount: '10.5' });
      const p = await processInvoice(sb.url, inv.tracking);
      expect(p.crypto).toEqual({ address: expect.stringMatching(/^sandbox1[0-9a-f]{32}$/), current_confirmations: '0', success_confirmations: new JsonNumber('4') });
    });

    it('by payment_id too; again while PAYIN answers the same; the status is PAYIN', async () => {
      const inv = await createInvoice(sb.url, { currency: '"mpesa-congo.usd"', amount: '10.00' });
      const a = await dpayPost(sb.url, 'process', JSON.stringify({ payment_id: inv.payment_id }));
      const b = await dpayPost(sb.url, 'process', JSON.stringify({ tracking: inv.tracking }));
      expect(a.text).toBe(b.text);
      expect(field((await statusOf(sb.url, inv)).json, 'status')).toBe('PAYIN');
    });

    it('an unknown invoice → code 401 "Payment not found"; a final one → code 409; neither ref → code 400', async () => {
      expect((await dpayPost(sb.url, 'process', '{"payment_id":"no-such-order"}')).text).toBe('{"error":{"code":401,"message":"Payment not found"}}');
      const inv = await createInvoice(sb.url);
      await simulate(inv.tracking, { status: 'CANCELED' }).expect(200);
      expect(field((await dpayPost(sb.url, 'process', JSON.stringify({ tracking: inv.tracking }))).json, 'error')).toEqual({
        code: new JsonNumber('409'),
        message: 'Payment is already processed (CANCELED)',
      });
      expect(field((await dpayPost(sb.url, 'process', '{}')).json, 'error')).toMatchObject({ code: new JsonNumber('400') });
    });
  });

  describe('status', () => {
    it('answers the docs\' shape, keys in order, money as JSON numbers with two decimals, times as Y-m-d H:i:s', async () => {
      const inv = await createInvoice(sb.url, { amount: '5000.00' });
      await processInvoice(sb.url, inv.tracking);
      await simulate(inv.tracking, { status: 'PAYED' }).expect(200);
      const r = await statusOf(sb.url, { payment_id: inv.payment_id });
      expect(r.signed).toBe(true);
      const o = r.json as Record<string, unknown>;
      expect(Object.keys(o)).toEqual(['tracking', 'payment_id', 'currency', 'created', 'processed', 'status', 'amount', 'fee', 'accrual_amount', 'accrual_currency', 'is_recalc']);
      expect(o).toMatchObject({ tracking: inv.tracking, payment_id: inv.payment_id, currency: 'visamaster.uah', status: 'PAYED', accrual_currency: 'UAH', is_recalc: false });
      expect(o.created).toMatch(DPAY_TIME);
      expect(o.processed).toMatch(DPAY_TIME);
      // 2 % for cards, as the docs' example (5000.00 → fee 100.00, credited 4900.00)
      expect(r.text).toContain('"amount":5000.00,"fee":100.00,"accrual_amount":4900.00,"accrual_currency":"UAH","is_recalc":false}');
    });

    it('by tracking or payment_id; both must name the same invoice', async () => {
      const a = await createInvoice(sb.url);
      const b = await createInvoice(sb.url);
      expect((await statusOf(sb.url, { tracking: a.tracking })).text).toBe((await statusOf(sb.url, { payment_id: a.payment_id })).text);
      const mixed = await dpayPost(sb.url, 'status', JSON.stringify({ tracking: a.tracking, payment_id: b.payment_id }));
      expect(field(mixed.json, 'error')).toMatchObject({ message: 'Payment not found' });
    });

    it('PAYED_RECALC: is_recalc true and the credited amount the platform recalculated', async () => {
      const inv = await createInvoice(sb.url, { amount: '5000.00' });
      await simulate(inv.tracking, { status: 'PAYED_RECALC', accrual_amount: '3920.00', fee: '80.00' }).expect(200);
      expect((await statusOf(sb.url, inv)).text).toContain('"status":"PAYED_RECALC","amount":5000.00,"fee":80.00,"accrual_amount":3920.00,"accrual_currency":"UAH","is_recalc":true}');
    });

    it('FAILED and PAYIN_ERROR carry the failure as an `error` string beside the status', async () => {
      const a = await createInvoice(sb.url);
      await simulate(a.tracking, { status: 'FAILED', error: 'Card declined' }).expect(200);
      const s = await statusOf(sb.url, a);
      expect(s.json).toMatchObject({ status: 'FAILED', fee: null, accrual_amount: null, error: 'Card declined' });
      const b = await createInvoice(sb.url);
      await simulate(b.tracking, { status: 'PAYIN_ERROR' }).expect(200);
      expect((await statusOf(sb.url, b)).json).toMatchObject({ status: 'PAYIN_ERROR', error: 'Debit failed' });
    });

    it('currency is the method actually used', async () => {
      const inv = await createInvoice(sb.url, { currency: '"visamaster.usd"', amount: '10.00' });
      await simulate(inv.tracking, { status: 'FINISHED', method: 'visamaster.uah' }).expect(200);
      expect((await statusOf(sb.url, inv)).json).toMatchObject({ currency: 'visamaster.uah', status: 'FINISHED', accrual_currency: 'UAH' });
    });
  });

  describe('simulate (control)', () => {
    it('success late after a failure, a recalculation over a success; a failure only while open', async () => {
      const inv = await createInvoice(sb.url);
      await simulate(inv.tracking, { status: 'FAILED' }).expect(200);
      await simulate(inv.tracking, { status: 'CANCELED' }).expect(409);
      await simulate(inv.payment_id, { status: 'PAYED' }).expect(200);
      await simulate(inv.tracking, { status: 'PAYED' }).expect(409);
      await simulate(inv.tracking, { status: 'PAYED_RECALC', accrual_amount: '4000.00' }).expect(200);
      expect((await statusOf(sb.url, inv)).json).toMatchObject({ status: 'PAYED_RECALC', is_recalc: true, accrual_amount: new JsonNumber('4000.00') });
    });

    it('refuses bad bodies: an unknown or open status, PAYED_RECALC without accrual_amount, money as a JSON number', async () => {
      const inv = await createInvoice(sb.url);
      for (const body of [{ status: 'PAYIN' }, { status: 'DONE' }, { status: 'PAYED_RECALC' }, { status: 'PAYED', accrual_amount: 4900 }, { status: 'PAYED', method: 'Not a code' }]) {
        const r = await simulate(inv.tracking, body);
        expect(r.status).toBe(422);
        expect(r.body.error.code).toBe(422);
      }
      expect((await simulate('no-such', { status: 'PAYED' })).status).toBe(404);
    });
  });

  describe('statement', () => {
    it('lists invoices created in [start_date, end_date), oldest first, optionally one status; each shaped like a status answer', async () => {
      const a = await createInvoice(sb.url, { amount: '10.00' });
      const b = await createInvoice(sb.url, { amount: '20.00' });
      await simulate(b.tracking, { status: 'PAYED' }).expect(200);
      const now = new Date();
      const fmt = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
      const range = { start_date: fmt(new Date(now.getTime() - 3_600_000)), end_date: fmt(new Date(now.getTime() + 3_600_000)) };
      const all = await dpayPost(sb.url, 'statement', JSON.stringify(range));
      expect(all.signed).toBe(true);
      const list = field(all.json, 'list') as Array<Record<string, unknown>>;
      const ours = list.filter((x) => x.tracking === a.tracking || x.tracking === b.tracking);
      expect(ours.map((x) => x.tracking)).toEqual([a.tracking, b.tracking]);
      expect(all.text).toContain(`"payment_id":"${a.payment_id}","currency":"visamaster.uah"`);
      const payed = field((await dpayPost(sb.url, 'statement', JSON.stringify({ ...range, status: 'PAYED' }))).json, 'list') as Array<Record<string, unknown>>;
      expect(payed.map((x) => x.tracking)).toContain(b.tracking);
      expect(payed.every((x) => x.status === 'PAYED')).toBe(true);
      const past = await dpayPost(sb.url, 'statement', '{"start_date":"2017-02-01 00:00:00","end_date":"2017-03-01 00:00:00"}');
      expect(past.text).toBe('{"list":[]}');
    });

    it.each([
      ['no dates', '{}', 'Invalid start_date'],
      ['a date in another format', '{"start_date":"2017-02-01T00:00:00Z","end_date":"2017-03-01 00:00:00"}', 'Invalid start_date'],
      ['a date that does not exist', '{"start_date":"2017-02-30 00:00:00","end_date":"2017-03-01 00:00:00"}', 'Invalid start_date'],
      ['end before start', '{"start_date":"2017-03-01 00:00:00","end_date":"2017-02-01 00:00:00"}', 'Invalid end_date'],
      ['an unknown status', '{"start_date":"2017-02-01 00:00:00","end_date":"2017-03-01 00:00:00","status":"PAID"}', 'Invalid status'],
    ])('%s → code 400', async (_name, body, message) => {
      const r = await dpayPost(sb.url, 'statement', body);
      expect(field(r.json, 'error')).toEqual({ code: new JsonNumber('400'), message: expect.stringContaining(message) });
    });
  });

  describe('errors before the API runs keep the platform envelope, signed', () => {
    it('malformed JSON (refused by the HTTP stack) → 400', async () => {
      const r = await dpayPost(sb.url, 'create', '{"payment_id":');
      expect(r.status).toBe(400);
      expect(r.signed).toBe(true);
      expect(field(r.json, 'error')).toMatchObject({ code: new JsonNumber('400') });
    });

    it('an unknown endpoint → 404; GET on an endpoint → 404', async () => {
      const r = await dpayPost(sb.url, 'cancel', '{}');
      expect(r.status).toBe(404);
      expect(r.text).toBe('{"error":{"code":404,"message":"Not found"}}');
      expect(r.signed).toBe(true);
      const get = await fetch(`${sb.url}${SWM_API}/status`);
      expect(get.status).toBe(404);
      expect(verifyDpay(SECRET, Buffer.from(await get.arrayBuffer()), get.headers.get('dpay_secure') ?? undefined)).toBe(true);
    });
  });

  describe('the request record (control)', () => {
    it('counts the calls per payment_id and endpoint, with the exact request and answer', async () => {
      const paymentId = pid('rec');
      const body = createBody({ payment_id: JSON.stringify(paymentId) });
      const first = await dpayPost(sb.url, 'create', body);
      await dpayPost(sb.url, 'create', body);
      await dpayPost(sb.url, 'status', JSON.stringify({ payment_id: paymentId }));
      const creates = await requests({ endpoint: 'create', payment_id: paymentId });
      expect(creates).toHaveLength(2);
      expect(creates[0]).toMatchObject({ endpoint: 'create', client_id: CLIENT_ID, payment_id: paymentId, signature_ok: true, http_status: 200, error_code: null, fault: null, request: body, answer: first.text });
      expect(creates[0]!.tracking).toMatch(TRACKING);
      expect(creates[1]).toMatchObject({ error_code: '0', tracking: null });
      expect((await requests({ payment_id: paymentId })).map((x) => x.endpoint)).toEqual(['create', 'create', 'status']);
      expect(await requests({ tracking: creates[0]!.tracking })).toHaveLength(2);
    });

    it('DELETE clears it; a bad filter is refused', async () => {
      await createInvoice(sb.url);
      expect((await sb.http.delete(`${SWM_CONTROL}/requests`).expect(200)).body.cleared).toBeGreaterThan(0);
      expect(await requests({})).toEqual([]);
      await sb.http.get(`${SWM_CONTROL}/requests`).query({ endpoint: 'refund' }).expect(422);
    });
  });
});
