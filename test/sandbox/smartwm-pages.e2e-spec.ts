import { createInvoice, field, processInvoice, withSmartwmSandbox, statusOf, SwmSandbox, SWM_CONTROL, SWM_PAY } from './smartwm-helpers';

jest.setTimeout(60_000);

const SUCCESS_URL = 'https://shop.example/success';
const FAIL_URL = 'https://shop.example/fail';

/** The hosted payment page at the HTTP level: card form (via pay_form), mobile money (via pay_link), transfers, the test amounts. */
describe('SmartWM sandbox: hosted payment page', () => {
  let sb: SwmSandbox;
  withSmartwmSandbox((started) => (sb = started));

  const statusText = async (tracking: string) => field((await statusOf(sb.url, { tracking })).json, 'status');
  const invoice = async (tracking: string) => (await sb.http.get(`${SWM_CONTROL}/invoices/${tracking}`).expect(200)).body.invoice as Record<string, any>;

  /** create + process; answers the tracking and what process gave. */
  async function open(method: string, amount = '150.00'): Promise<{ tracking: string; process: Record<string, unknown> }> {
    const { tracking } = await createInvoice(sb.url, { currency: JSON.stringify(method), amount });
    return { tracking, process: await processInvoice(sb.url, tracking) };
  }

  /** Submits the pay_form as a browser would (its action, its hidden fields) and follows to the page. */
  async function submitPayForm(payForm: string): Promise<string> {
    const action = /action="([^"]+)"/.exec(payForm)![1]!;
    const fields = Object.fromEntries([...payForm.matchAll(/name="([A-Z_]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const r = await sb.http.post(new URL(action).pathname).type('form').send(fields).expect(303);
    return r.headers.location as string;
  }

  describe('card (pay_form → card form → FINISHED)', () => {
    it('the form lands on the card page; a good test card pays and returns to success_url', async () => {
      const { tracking, process } = await open('visamaster.uah');
      const page = await submitPayForm(process.pay_form as string);
      expect(page).toBe(`${SWM_PAY}/${tracking}`);
      const html = (await sb.http.get(page).expect(200)).text;
      expect(html).toContain('name="card_number"');
      expect(html).toContain('name="expiry"');
      expect(html).toContain('name="cvc"');
      expect(html).toContain('150.00');
      const paid = await sb.http.post(`${SWM_PAY}/${tracking}/card`).type('form').send({ card_number: '4444 1111 4444 1111', expiry: '12/39', cvc: '123' }).expect(303);
      expect(paid.headers.location).toBe(SUCCESS_URL);
      expect(await statusText(tracking)).toBe('FINISHED');
      expect((await invoice(tracking)).payer).toBe('card **** 1111');
      // afterwards the page shows the result, and paying again is refused
      expect((await sb.http.get(`${SWM_PAY}/${tracking}`).expect(200)).text).toContain('Payment received');
      const again = await sb.http.post(`${SWM_PAY}/${tracking}/card`).type('form').send({ card_number: '4444111144441111', expiry: '12/39', cvc: '123' });
      expect(again.status).toBe(409);
      expect(again.text).toContain('Payment is already processed (FINISHED)');
    });

    it('a pay_form with a changed SIGN, another invoice\'s fields or no SIGN is refused (403)', async () => {
      const { tracking, process } = await open('visamaster.usd');
      const form = process.pay_form as string;
      const fields = Object.fromEntries([...form.matchAll(/name="([A-Z_]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      const post = (body: Record<string, string>) => sb.http.post(`${SWM_PAY}/${tracking}`).type('form').send(body);
      expect((await post({ ...fields, SIGN: `A${fields.SIGN!.slice(1)}` })).status).toBe(403);
      expect((await post({ ...fields, INVOICE_ID: 'someone-else' })).status).toBe(403);
      const { SIGN: _s, ...unsigned } = fields;
      expect((await post(unsigned)).status).toBe(403);
      expect((await post(fields)).status).toBe(303);
    });

    it.each([
      ['4000 0000 0000 0002', 'FAILED', 'Card declined'],
      ['4000000000000119', 'PAYIN_ERROR', 'Debit failed'],
    ])('test card %s → %s, back to fail_url', async (card, status, error) => {
      const { tracking } = await open('visamaster.uah');
      const r = await sb.http.post(`${SWM_PAY}/${tracking}/card`).type('form').send({ card_number: card, expiry: '01/40', cvc: '000' }).expect(303);
      expect(r.headers.location).toBe(FAIL_URL);
      expect((await statusOf(sb.url, { tracking })).json).toMatchObject({ status, error });
    });

    it('any other valid card pays', async () => {
      const { tracking } = await open('visamaster.uah');
      await sb.http.post(`${SWM_PAY}/${tracking}/card`).type('form').send({ card_number: '5555555555554444', expiry: '06/35', cvc: '4242' }).expect(303);
      expect(await statusText(tracking)).toBe('FINISHED');
    });

    it.each([
      ['a number failing Luhn', { card_number: '4444111144441112', expiry: '12/39', cvc: '123' }, 'Check the card number.'],
      ['a short number', { card_number: '4444', expiry: '12/39', cvc: '123' }, 'Check the card number.'],
      ['an expiry in the past', { card_number: '4444111144441111', expiry: '01/20', cvc: '123' }, 'The card has expired.'],
      ['a month 13', { card_number: '4444111144441111', expiry: '13/39', cvc: '123' }, 'Give the expiry as MM/YY.'],
      ['a 2-digit CVC', { card_number: '4444111144441111', expiry: '12/39', cvc: '12' }, 'Check the CVC.'],
      ['nothing', {}, 'Check the card number.'],
    ])('%s → the form again with the reason (422), nothing paid', async (_name, form, message) => {
      const { tracking } = await open('visamaster.uah');
      const r = await sb.http.post(`${SWM_PAY}/${tracking}/card`).type('form').send(form);
      expect(r.status).toBe(422);
      expect(r.text).toContain(message);
      expect(r.text).toContain('name="card_number"');
      expect(await statusText(tracking)).toBe('PAYIN');
    });
  });

  describe('mobile money (pay_link → phone → confirmation → PAYED)', () => {
    it('the link shows a phone step; the number leads to a confirmation; approving pays and returns to success_url', async () => {
      const { tracking, process } = await open('mpesa-congo.usd', '25.00');
      const link = new URL(process.pay_link as string).pathname;
      const first = (await sb.http.get(link).expect(200)).text;
      expect(first).toContain('name="phone"');
      expect(first).not.toContain('card_number');
      const phone = await sb.http.post(`${SWM_PAY}/${tracking}/phone`).type('form').send({ phone: '+243 810 000 000' }).expect(303);
      expect(phone.headers.location).toBe(`${SWM_PAY}/${tracking}`);
      const confirm = (await sb.http.get(`${SWM_PAY}/${tracking}`).expect(200)).text;
      expect(confirm).toContain('+243810000000');
      expect(confirm).toContain(`${SWM_PAY}/${tracking}/confirm`);
      expect(await statusText(tracking)).toBe('PAYIN');
      const done = await sb.http.post(`${SWM_PAY}/${tracking}/confirm`).expect(303);
      expect(done.headers.location).toBe(SUCCESS_URL);
      expect((await statusOf(sb.url, { tracking })).text).toContain('"currency":"mpesa-congo.usd"');
      expect((await statusOf(sb.url, { tracking })).text).toContain('"status":"PAYED","amount":25.00,"fee":0.75,"accrual_amount":24.25,"accrual_currency":"USD"');
    });

    it('declining fails and returns to fail_url', async () => {
      const { tracking } = await open('orange_money-ci.xof', '5000.00');
      await sb.http.post(`${SWM_PAY}/${tracking}/phone`).type('form').send({ phone: '+2250700000000' }).expect(303);
      const r = await sb.http.post(`${SWM_PAY}/${tracking}/decline`).expect(303);
      expect(r.headers.location).toBe(FAIL_URL);
      expect((await statusOf(sb.url, { tracking })).json).toMatchObject({ status: 'FAILED', error: 'Declined by the customer' });
    });

    it('a bad number is asked again (422); confirming before giving a number is refused (409)', async () => {
      const { tracking } = await open('mtn-benin.xof', '5000.00');
      const bad = await sb.http.post(`${SWM_PAY}/${tracking}/phone`).type('form').send({ phone: '12ab' });
      expect(bad.status).toBe(422);
      expect(bad.text).toContain('Give the phone number');
      const early = await sb.http.post(`${SWM_PAY}/${tracking}/confirm`);
      expect(early.status).toBe(409);
      expect(early.text).toContain('Give the phone number first.');
      expect(await statusText(tracking)).toBe('PAYIN');
    });
  });

  describe('the test amounts win over what the customer does', () => {
    it('1000 pays with a declined card, and with a declined phone payment', async () => {
      const card = await open('visamaster.uah', '1000.00');
      await sb.http.post(`${SWM_PAY}/${card.tracking}/card`).type('form').send({ card_number: '4000000000000002', expiry: '12/39', cvc: '123' }).expect(303);
      expect(await statusText(card.tracking)).toBe('FINISHED');
      const mobile = await open('airtel-congo.usd', '1000');
      await sb.http.post(`${SWM_PAY}/${mobile.tracking}/phone`).type('form').send({ phone: '+243970000000' }).expect(303);
      const r = await sb.http.post(`${SWM_PAY}/${mobile.tracking}/decline`).expect(303);
      expect(r.headers.location).toBe(SUCCESS_URL);
      expect(await statusText(mobile.tracking)).toBe('PAYED');
    });

    it('2000 fails with a good card, and with an approved phone payment', async () => {
      const card = await open('visamaster.usd', '2000.00');
      const r = await sb.http.post(`${SWM_PAY}/${card.tracking}/card`).type('form').send({ card_number: '4444111144441111', expiry: '12/39', cvc: '123' }).expect(303);
      expect(r.headers.location).toBe(FAIL_URL);
      expect((await statusOf(sb.url, { tracking: card.tracking })).json).toMatchObject({ status: 'FAILED', error: 'Test amount 2000 always fails' });
      const mobile = await open('mvola.mga', '2000.00');
      await sb.http.post(`${SWM_PAY}/${mobile.tracking}/phone`).type('form').send({ phone: '+261340000000' }).expect(303);
      await sb.http.post(`${SWM_PAY}/${mobile.tracking}/confirm`).expect(303);
      expect(await statusText(mobile.tracking)).toBe('FAILED');
    });

    it('other amounts follow the customer', async () => {
      const { tracking } = await open('visamaster.uah', '1000.01');
      await sb.http.post(`${SWM_PAY}/${tracking}/card`).type('form').send({ card_number: '4000000000000002', expiry: '12/39', cvc: '123' }).expect(303);
      expect(await statusText(tracking)).toBe('FAILED');
    });
  });

  describe('other methods and other states', () => {
    it('a bank or wallet method shows transfer details; "I have paid" pays (PAYED), "fails" fails', async () => {
      const a = await open('upi.inr', '500.00');
      expect((await sb.http.get(`${SWM_PAY}/${a.tracking}`).expect(200)).text).toContain('I have paid');
      await sb.http.post(`${SWM_PAY}/${a.tracking}/pay`).expect(303);
      expect(await statusText(a.tracking)).toBe('PAYED');
      const b = await open('paytm.inr', '500.00');
      expect((await sb.http.post(`${SWM_PAY}/${b.tracking}/fail`).expect(303)).headers.location).toBe(FAIL_URL);
      expect(await statusText(b.tracking)).toBe('FAILED');
    });

    it('a crypto method shows the deposit address of process', async () => {
      const { tracking, process } = await open('usdt_trc20', '10.5');
      expect((await sb.http.get(`${SWM_PAY}/${tracking}`).expect(200)).text).toContain((process.crypto as { address: string }).address);
    });

    it('cancel → CANCELED and fail_url, from any method', async () => {
      for (const method of ['visamaster.uah', 'mpesa-congo.cdf', 'bank.ngn']) {
        const { tracking } = await open(method, '300.00');
        expect((await sb.http.post(`${SWM_PAY}/${tracking}/cancel`).expect(303)).headers.location).toBe(FAIL_URL);
        expect(await statusText(tracking)).toBe('CANCELED');
      }
    });

    it('without success_url / fail_url the customer comes back to the page, which shows the result', async () => {
      const { tracking } = await createInvoice(sb.url, { currency: '"bank.ngn"', amount: '300.00', success_url: '', fail_url: '' });
      await processInvoice(sb.url, tracking);
      expect((await sb.http.post(`${SWM_PAY}/${tracking}/pay`).expect(303)).headers.location).toBe(`${SWM_PAY}/${tracking}`);
      expect((await sb.http.get(`${SWM_PAY}/${tracking}`).expect(200)).text).toContain('Payment received');
    });

    it('before process the page says it is not open; an unknown tracking is 404; text is escaped', async () => {
      const { tracking } = await createInvoice(sb.url, { description: '"<script>alert(1)</script>"' });
      const r = await sb.http.get(`${SWM_PAY}/${tracking}`).expect(200);
      expect(r.text).toContain('not open for payment yet');
      expect(r.text).not.toContain('<script>alert(1)');
      expect(r.text).toContain('&lt;script&gt;');
      expect(r.headers['cache-control']).toBe('no-store');
      expect((await sb.http.post(`${SWM_PAY}/${tracking}/pay`)).status).toBe(409);
      expect((await sb.http.get(`${SWM_PAY}/0000-0000-0000-0000-0000-0000-0000-0000`)).status).toBe(404);
    });
  });
});
