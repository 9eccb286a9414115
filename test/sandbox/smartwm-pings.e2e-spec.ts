import { waitFor } from '../support/app';
import { createInvoice, PingReceiver, processInvoice, withSmartwmSandbox, SwmSandbox, SWM_CONTROL, SWM_PAY } from './smartwm-helpers';

jest.setTimeout(60_000);

const ORDER = 'b7e2c6a4-3f1d-4e8a-9c0b-5d6e7f8a9b0c';

interface PingView {
  invoice_status: string;
  url: string;
  trigger: string;
  state: string;
  attempts: Array<{ try_number: number; ok: boolean; http_status: number | null; error: string | null }>;
}

/** The status_url ping at the final status: an empty GET, retried on non-2xx, every attempt recorded; its controls. */
describe('SmartWM sandbox: status_url pings', () => {
  let sb: SwmSandbox;
  const receiver = new PingReceiver();
  let n = 0;
  /** A distinct status_url per test, shaped as the service's: order id in the path, token in the query. */
  const nextUrl = () => `/v1/webhooks/smartwm/${ORDER}?token=tok_${n++}`;

  withSmartwmSandbox((started) => (sb = started), { pingRetryScale: 0.01 });
  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
  });
  afterEach(async () => {
    receiver.respond = () => 200;
    await sb.http.delete(`${SWM_CONTROL}/pings`).expect(200);
  });

  const pingsOf = async (ref: string) => (await sb.http.get(`${SWM_CONTROL}/invoices/${ref}/pings`).expect(200)).body.pings as PingView[];
  const simulate = (ref: string, body: Record<string, unknown>) => sb.http.post(`${SWM_CONTROL}/invoices/${ref}/simulate`).send(body).expect(200);
  const withStatusUrl = async (path: string, over: Record<string, string> = {}) =>
    createInvoice(sb.url, { status_url: JSON.stringify(`${receiver.base}${path}`), ...over });
  const settled = (ref: string, count = 1) =>
    waitFor(`${count} settled ping(s) of ${ref}`, async () => {
      const pings = await pingsOf(ref);
      return pings.length >= count && pings.every((p) => p.state !== 'pending') ? pings : null;
    });

  it('at the final status: one empty GET to status_url as given (path and query), recorded as delivered', async () => {
    const path = nextUrl();
    const inv = await withStatusUrl(path);
    await processInvoice(sb.url, inv.tracking);
    expect(receiver.to(path)).toHaveLength(0);
    await simulate(inv.tracking, { status: 'PAYED' });
    const [ping] = await settled(inv.tracking);
    expect(ping).toMatchObject({ invoice_status: 'PAYED', url: `${receiver.base}${path}`, trigger: 'final', state: 'success' });
    expect(ping!.attempts).toEqual([expect.objectContaining({ try_number: 1, ok: true, http_status: 200, error: null })]);
    const [got] = receiver.to(path);
    expect(got).toMatchObject({ method: 'GET', url: path });
    expect(got!.body.length).toBe(0);
    expect(got!.headers['content-length']).toBeUndefined();
  });

  it('retried on non-2xx on the schedule until a 2xx, every attempt recorded', async () => {
    const path = nextUrl();
    receiver.respond = (nth) => (nth === 1 ? 500 : nth === 2 ? 404 : 200);
    const inv = await withStatusUrl(path);
    await simulate(inv.tracking, { status: 'FAILED' });
    const [ping] = await settled(inv.tracking);
    expect(receiver.to(path)).toHaveLength(3);
    expect(ping!.state).toBe('success');
    expect(ping!.attempts.map((a) => [a.try_number, a.ok, a.http_status])).toEqual([
      [1, false, 500],
      [2, false, 404],
      [3, true, 200],
    ]);
    expect(ping!.attempts[0]!.error).toBe('HTTP 500');
  });

  it('gives up (dead) after 8 attempts; an unreachable receiver is recorded as such', async () => {
    await sb.http.put(`${SWM_CONTROL}/pings`).send({ retry_scale: 0.0005 }).expect(200);
    const path = nextUrl();
    receiver.respond = () => 503;
    const inv = await withStatusUrl(path);
    await simulate(inv.tracking, { status: 'CANCELED' });
    const [ping] = await settled(inv.tracking);
    expect(ping!.state).toBe('dead');
    expect(ping!.attempts).toHaveLength(8);
    expect(receiver.to(path)).toHaveLength(8);

    const closed = await createInvoice(sb.url, { status_url: '"http://127.0.0.1:9/unreachable"' });
    await simulate(closed.tracking, { status: 'CANCELED' });
    const [unreachable] = await settled(closed.tracking);
    expect(unreachable!.state).toBe('dead');
    expect(unreachable!.attempts[0]).toMatchObject({ ok: false, http_status: null, error: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('no status_url, no ping', async () => {
    const inv = await createInvoice(sb.url);
    await simulate(inv.tracking, { status: 'PAYED' });
    expect(await pingsOf(inv.tracking)).toEqual([]);
  });

  it('each final status pings: the hosted page\'s FINISHED, then a recalculation', async () => {
    const path = nextUrl();
    const inv = await withStatusUrl(path, { currency: '"visamaster.uah"' });
    await processInvoice(sb.url, inv.tracking);
    await sb.http.post(`${SWM_PAY}/${inv.tracking}/card`).type('form').send({ card_number: '4444111144441111', expiry: '12/39', cvc: '123' }).expect(303);
    await settled(inv.tracking);
    await simulate(inv.tracking, { status: 'PAYED_RECALC', accrual_amount: '4000.00' });
    const pings = await settled(inv.tracking, 2);
    expect(pings.map((p) => p.invoice_status)).toEqual(['FINISHED', 'PAYED_RECALC']);
    expect(receiver.to(path)).toHaveLength(2);
  });

  describe('controls', () => {
    it('disabled: the ping waits, queued, and goes out once enabled again', async () => {
      await sb.http.put(`${SWM_CONTROL}/pings`).send({ enabled: false }).expect(200);
      const path = nextUrl();
      const inv = await withStatusUrl(path);
      await simulate(inv.tracking, { status: 'PAYED' });
      const [queued] = await pingsOf(inv.tracking);
      expect(queued).toMatchObject({ state: 'pending', attempts: [] });
      await sb.http.put(`${SWM_CONTROL}/pings`).send({ enabled: true }).expect(200);
      await settled(inv.tracking);
      expect(receiver.to(path)).toHaveLength(1);
    });

    it('duplicate: each attempt is sent twice, recorded once', async () => {
      await sb.http.put(`${SWM_CONTROL}/pings`).send({ duplicate: true }).expect(200);
      const path = nextUrl();
      const inv = await withStatusUrl(path);
      await simulate(inv.tracking, { status: 'PAYED' });
      const [ping] = await settled(inv.tracking);
      await waitFor('the copy', async () => receiver.to(path).length === 2);
      expect(ping!.attempts).toHaveLength(1);
    });

    it('delay: the ping still arrives', async () => {
      expect((await sb.http.put(`${SWM_CONTROL}/pings`).send({ delay_ms: 200 }).expect(200)).body.pings).toEqual({
        enabled: true,
        delay_ms: 200,
        duplicate: false,
        retry_scale: null,
      });
      const path = nextUrl();
      const inv = await withStatusUrl(path);
      await simulate(inv.tracking, { status: 'PAYED' });
      await settled(inv.tracking);
      expect(receiver.to(path)).toHaveLength(1);
    });

    it('resend: one more ping now for the current status; none without a status_url', async () => {
      const path = nextUrl();
      const inv = await withStatusUrl(path);
      await simulate(inv.tracking, { status: 'PAYED' });
      await settled(inv.tracking);
      expect((await sb.http.post(`${SWM_CONTROL}/invoices/${inv.payment_id}/ping`).expect(200)).body).toEqual({ tracking: inv.tracking, status: 'PAYED' });
      const pings = await settled(inv.tracking, 2);
      expect(pings.map((p) => [p.trigger, p.invoice_status])).toEqual([
        ['final', 'PAYED'],
        ['resend', 'PAYED'],
      ]);
      expect(receiver.to(path)).toHaveLength(2);
      const bare = await createInvoice(sb.url);
      expect((await sb.http.post(`${SWM_CONTROL}/invoices/${bare.tracking}/ping`)).status).toBe(409);
      expect((await sb.http.post(`${SWM_CONTROL}/invoices/nope/ping`)).status).toBe(404);
    });

    it('refuses bad switches (422) and leaves them as they were', async () => {
      for (const body of [{ enabled: 'no' }, { delay_ms: -1 }, { retry_scale: 'x' }, []]) {
        expect((await sb.http.put(`${SWM_CONTROL}/pings`).send(body)).status).toBe(422);
      }
      expect((await sb.http.get(`${SWM_CONTROL}/pings`).expect(200)).body.pings).toEqual({ enabled: true, delay_ms: 0, duplicate: false, retry_scale: null });
    });
  });
});
