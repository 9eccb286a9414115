import { createHash } from 'node:crypto';
import { ApiError } from '../common/api-error';
import type { CallbackRequest, GatewayCallbacks, ParsedCallback, PaymentGateway } from '../gateways/gateway.port';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import type { OrdersRepository } from '../orders/orders.repository';
import { CallbackIntakeService } from './callback-intake.service';
import type { WebhookIntakeService } from './webhook-intake.service';

// The one callback intake with its edges replaced: the gateway's callback half, the order lookup
// and the inbox are jest mocks. No HTTP, no database.

const hash = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const parsedOf = (over: Partial<ParsedCallback> = {}): ParsedCallback => ({
  orderId: null, invoiceId: 'inv-1', externalId: 'ext-1', dedupeKey: 'evt-1', keptHeaders: { 'x-kept': 'yes' }, claimedStatus: 'PAID', ...over,
});

function gatewayWith(callbacks: Partial<GatewayCallbacks>): PaymentGateway {
  return {
    name: 'alpha', mode: 'live', timeoutMs: 1000,
    capabilities: { cancel: false, webhookHistory: false, withdrawals: false, catalogue: false, paymentMethodRequired: false },
    callbacks: {
      route: { path: 'alpha', methods: ['POST'] },
      perOrderCredential: false,
      callbackUrl: () => 'unused',
      authenticate: jest.fn(() => ({ ok: true }) as const),
      parse: jest.fn(() => parsedOf()),
      ...callbacks,
    },
    checkOrder: () => null,
    createInvoice: jest.fn(),
    getInvoice: jest.fn(),
  };
}

function build(gateway: PaymentGateway, order: { id: string; status: string; callback_credential_hash: string | null } | null = null) {
  const orders = { findForCallback: jest.fn(async () => order), callbacksReadFor: jest.fn(async () => 2) };
  const inbox = { store: jest.fn(async () => ({ duplicate: false, id: 'row-1' })) };
  const intake = new CallbackIntakeService(new GatewayRegistry([gateway]), orders as unknown as OrdersRepository, inbox as unknown as WebhookIntakeService);
  return { intake, orders, inbox };
}

const incoming = (over: Partial<{ headers: Record<string, string>; body: Buffer }> = {}) => ({
  method: 'POST',
  body: Buffer.from('{"any":"bytes"}'),
  headers: {},
  params: {},
  query: {},
  ip: '203.0.113.7',
  ...over,
});

describe('CallbackIntakeService (edges replaced)', () => {
  it('authenticates on the raw bytes first: refused → 401 with the gateway\'s code, nothing parsed, looked up or stored; the gateway hears of it', async () => {
    const rejected = jest.fn();
    const gw = gatewayWith({ authenticate: jest.fn(() => ({ ok: false, code: 'INVALID_SIGNATURE', reason: 'signature_mismatch' }) as const), rejected });
    const { intake, orders, inbox } = build(gw);
    const err = (await intake.receive('alpha', incoming()).catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ status: 401, code: 'INVALID_SIGNATURE', details: { reason: 'signature_mismatch' } });
    expect(gw.callbacks.parse).not.toHaveBeenCalled();
    expect(orders.findForCallback).not.toHaveBeenCalled();
    expect(inbox.store).not.toHaveBeenCalled();
    expect(rejected).toHaveBeenCalledWith(expect.objectContaining({ rawBody: Buffer.from('{"any":"bytes"}'), ip: '203.0.113.7' }), expect.objectContaining({ reason: 'signature_mismatch' }));
  });

  it('a body the gateway cannot read → 400 MALFORMED_PAYLOAD with its reason, nothing stored', async () => {
    const gw = gatewayWith({ parse: jest.fn(() => 'The body is not JSON.') });
    const { intake, inbox } = build(gw);
    await expect(intake.receive('alpha', incoming())).rejects.toMatchObject({ status: 400, code: 'MALFORMED_PAYLOAD', message: 'The body is not JSON.' });
    expect(inbox.store).not.toHaveBeenCalled();
  });

  it('a trusted callback is stored with its duplicate key, the hash of its exact bytes and the headers the gateway keeps', async () => {
    const { intake, inbox, orders } = build(gatewayWith({}));
    const body = Buffer.from('{"any":"bytes"}');
    await expect(intake.receive('alpha', incoming({ body }))).resolves.toEqual({ received: true, duplicate: false });
    expect(orders.findForCallback).not.toHaveBeenCalled();
    expect(inbox.store).toHaveBeenCalledWith({
      provider: 'alpha', idempotency_key: 'evt-1', payload_hash: createHash('sha256').update(body).digest('hex'), raw_body: body,
      headers: { 'x-kept': 'yes' }, gateway_order_id: 'inv-1', external_id: 'ext-1', order_id: null,
    });
  });

  it('a duplicate is answered as one', async () => {
    const { intake, inbox } = build(gatewayWith({}));
    inbox.store.mockResolvedValueOnce({ duplicate: true, id: null } as never);
    await expect(intake.receive('alpha', incoming())).resolves.toEqual({ received: true, duplicate: true });
  });

  describe('per-order credential (the order is found before the callback is trusted)', () => {
    const order = { id: 'o-1', status: 'awaiting_payment', callback_credential_hash: hash('the-right-secret-0123456789abcdef') };
    const tokenGateway = (presented: string | null) =>
      gatewayWith({
        perOrderCredential: true,
        presentedCredential: jest.fn((_req: CallbackRequest) => presented),
        dedupeKeyFor: jest.fn((p: ParsedCallback, o: { id: string; status: string }) => `ping:${o.id}:${o.status}:${p.dedupeKey}`),
      });

    it.each([
      ['no credential presented', null, order, 'missing_token'],
      ['a wrong credential', 'a-wrong-secret', order, 'token_mismatch'],
      ["another order's credential (its own hash differs)", 'the-right-secret-0123456789abcdef', { ...order, callback_credential_hash: hash('other-orders-secret') }, 'token_mismatch'],
      ['an order of ours without a stored credential', 'the-right-secret-0123456789abcdef', { ...order, callback_credential_hash: null }, 'token_mismatch'],
      // Answered as a wrong token: the reply does not tell a caller which order references exist (the log does).
      ['no such order', 'the-right-secret-0123456789abcdef', null, 'token_mismatch'],
    ])('%s → 401 INVALID_TOKEN, nothing stored', async (_n, presented, found, reason) => {
      const { intake, inbox } = build(tokenGateway(presented), found);
      await expect(intake.receive('alpha', incoming())).rejects.toMatchObject({ status: 401, code: 'INVALID_TOKEN', details: { reason } });
      expect(inbox.store).not.toHaveBeenCalled();
    });

    it('no credential and a body that cannot be read → 401 INVALID_TOKEN (missing_token), not 400: the credential is checked first', async () => {
      const gw = tokenGateway(null);
      (gw.callbacks as { parse: unknown }).parse = jest.fn(() => 'The body is not JSON.');
      const { intake, inbox } = build(gw, order);
      await expect(intake.receive('alpha', incoming())).rejects.toMatchObject({ status: 401, code: 'INVALID_TOKEN', details: { reason: 'missing_token' } });
      expect(gw.callbacks.parse).not.toHaveBeenCalled();
      expect(inbox.store).not.toHaveBeenCalled();
    });

    it('the right credential: stored with the order found, and the duplicate key the gateway derives from it', async () => {
      const { intake, inbox, orders } = build(tokenGateway('the-right-secret-0123456789abcdef'), order);
      await intake.receive('alpha', incoming());
      expect(orders.findForCallback).toHaveBeenCalledWith('alpha', expect.objectContaining({ invoiceId: 'inv-1', externalId: 'ext-1' }));
      expect(inbox.store).toHaveBeenCalledWith(expect.objectContaining({ order_id: 'o-1', idempotency_key: 'ping:o-1:awaiting_payment:evt-1:2' }));
    });

    it('the order cannot be looked up (database down) → 503 STORAGE_UNAVAILABLE, so the gateway retries', async () => {
      const { intake, orders, inbox } = build(tokenGateway('the-right-secret-0123456789abcdef'), order);
      orders.findForCallback.mockRejectedValueOnce(new Error('connection refused'));
      await expect(intake.receive('alpha', incoming())).rejects.toMatchObject({ status: 503, code: 'STORAGE_UNAVAILABLE' });
      expect(inbox.store).not.toHaveBeenCalled();
    });
  });

  it('a method the route does not take → 405, nothing authenticated or stored', async () => {
    const gw = gatewayWith({ route: { path: 'alpha', methods: ['GET', 'POST'] } });
    const { intake, inbox } = build(gw);
    await expect(intake.receive('alpha', { ...incoming(), method: 'PUT' })).rejects.toMatchObject({ status: 405 });
    expect(gw.callbacks.authenticate).not.toHaveBeenCalled();
    await intake.receive('alpha', { ...incoming(), method: 'GET' });
    expect(inbox.store).toHaveBeenCalledTimes(1);
  });

  it('a gateway that is not registered (or off) has no intake', async () => {
    const { intake } = build(gatewayWith({}));
    await expect(intake.receive('beta', incoming())).rejects.toBeInstanceOf(ApiError);
  });
});
