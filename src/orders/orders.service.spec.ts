import { createHash } from 'node:crypto';
import { ApiError } from '../common/api-error';
import type { Settings } from '../config/settings';
import { GatewayError } from '../gateways/gateway.errors';
import type { CreateInvoiceInput, GatewayCallbacks, GatewayInvoice, PaymentGateway } from '../gateways/gateway.port';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import type { CatalogueService } from './catalogue.service';
import { decide, Observation } from './domain/decide';
import type { IdempotencyService } from './idempotency.service';
import { OrderEntity } from './order.entity';
import type { AppliedChange, OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

// The orchestration of orders with its edges replaced (Immich style): the repository is an
// in-memory fake that runs the real domain (`decide`), the gateway a jest mock of the port.
// No database, no HTTP.

const BASE = 'https://pay.example';
const settings = { callbackBaseUrl: BASE, defaultProvider: 'alpha', merchantSuccessUrl: undefined, merchantFailUrl: undefined } as unknown as Settings;
const input = { amount: '10.00', currency: 'UAH', customer_id: 'c-1' };
const caller = { keyId: 'k1', role: 'storefront' } as never;

function invoiceFor(order: { external_id: string; amount: string; currency: string }, over: Partial<GatewayInvoice> = {}): GatewayInvoice {
  return {
    invoiceId: 'inv-1', externalId: order.external_id, status: 'pending', rawStatus: 'pending', amount: order.amount, currency: order.currency,
    paymentLink: 'https://gw.example/pay/inv-1', expiresAt: null, finishedAt: null, payment: null, ...over,
  };
}

function fakeGateway(name: string, over: Partial<PaymentGateway> = {}, callbacks: Partial<GatewayCallbacks> = {}): jest.Mocked<PaymentGateway> {
  return {
    name,
    mode: 'sandbox',
    timeoutMs: 1000,
    capabilities: { cancel: true, webhookHistory: false, withdrawals: false, catalogue: false, paymentMethodRequired: false },
    callbacks: {
      route: { path: name, methods: ['POST'] },
      perOrderCredential: false,
      callbackUrl: jest.fn((base: string, order: { id: string }) => `${base}/v1/webhooks/${name}?o=${order.id}`),
      authenticate: jest.fn(),
      parse: jest.fn(),
      ...callbacks,
    },
    checkOrder: jest.fn(() => null),
    createInvoice: jest.fn(async (i: CreateInvoiceInput) => invoiceFor({ external_id: i.externalId, amount: i.amount, currency: i.currency })),
    getInvoice: jest.fn(async () => null),
    cancelInvoice: jest.fn(async () => undefined),
    ...over,
  } as unknown as jest.Mocked<PaymentGateway>;
}

/** Orders in memory; every change through the real `decide`. */
function fakeRepository() {
  const rows = new Map<string, OrderEntity>();
  const hashes = new Map<string, string>();
  const change = (id: string, obs: Observation): AppliedChange => {
    const order = rows.get(id)!;
    const decision = decide(order, obs, new Date());
    const next = Object.assign(new OrderEntity(), order, decision.patch);
    if (!decision.rejected) rows.set(id, next);
    return { order: decision.rejected ? order : next, decision, events: [] };
  };
  let n = 0;
  const repo = {
    rows,
    hashes,
    insertPending: jest.fn(async (fields: Partial<OrderEntity>) => {
      const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
      const order = Object.assign(new OrderEntity(), {
        callback_credential_hash: null, ...fields, id, status: 'pending', gateway_invoice_id: null, payment_link: null, expires_at: null, payment: null, paid_at: null,
        exception: null, exception_resolved_at: null, created_at: new Date(), updated_at: new Date(),
      });
      if (order.callback_credential_hash) hashes.set(id, order.callback_credential_hash);
      rows.set(id, order);
      return { claimed: true, saved: { order, version: '1' } };
    }),
    setCallbackCredentialHash: jest.fn(async (id: string, hash: string): Promise<void> => {
      hashes.set(id, hash);
    }),
    applyOptimistic: jest.fn(async (order: OrderEntity, _v: string, _s: string, obs: Observation) => change(order.id, obs)),
    apply: jest.fn(async (id: string, _s: string, observe: (o: OrderEntity) => Observation) => change(id, await observe(rows.get(id)!))),
    findByRef: jest.fn(async (ref: string) => rows.get(ref) ?? [...rows.values()].find((o) => o.external_id === ref) ?? null),
  };
  return repo;
}

function build(...gateways: PaymentGateway[]) {
  const repo = fakeRepository();
  const catalogue = { isCurrencyEnabled: jest.fn(async () => undefined), amountOutsideLimits: jest.fn(async () => null) } as unknown as CatalogueService;
  const idempotency = {} as IdempotencyService;
  const service = new OrdersService(repo as unknown as OrdersRepository, new GatewayRegistry(gateways), catalogue, idempotency, settings);
  return { service, repo, catalogue };
}

describe('OrdersService (edges replaced)', () => {
  it('creates on DEFAULT_PROVIDER when the order names none, with the callback URL its gateway gives', async () => {
    const alpha = fakeGateway('alpha');
    const beta = fakeGateway('beta');
    const { service, repo } = build(alpha, beta);
    const reply = await service.create(input, caller, undefined);
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ provider: 'alpha', status: 'awaiting_payment', gateway_invoice_id: 'inv-1' });
    expect(beta.createInvoice).not.toHaveBeenCalled();
    const sent = alpha.createInvoice.mock.calls[0]![0];
    const id = (reply.body as { id: string }).id;
    expect(sent).toMatchObject({ orderId: id, callbackUrl: `${BASE}/v1/webhooks/alpha?o=${id}`, callbackCredential: null });
    expect(repo.setCallbackCredentialHash).not.toHaveBeenCalled();
  });

  it('a gateway that names its own order goes to it; one that is not registered is a 400 naming provider, before anything is saved', async () => {
    const alpha = fakeGateway('alpha');
    const beta = fakeGateway('beta');
    const { service, repo } = build(alpha, beta);
    await service.create({ ...input, provider: 'beta' }, caller, undefined);
    expect(beta.createInvoice).toHaveBeenCalledTimes(1);
    const err = (await service.create({ ...input, provider: 'gamma' }, caller, undefined).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(Object.keys((err.details as { fields?: object }).fields ?? err.details)).toContain('provider');
    expect(repo.insertPending).toHaveBeenCalledTimes(1);
  });

  it("the gateway's own check refuses the order before anything is saved or sent", async () => {
    const alpha = fakeGateway('alpha', { checkOrder: jest.fn(() => ({ payment_method: ['required by this gateway'] })) });
    const { service, repo } = build(alpha);
    await expect(service.create(input, caller, undefined)).rejects.toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(repo.insertPending).not.toHaveBeenCalled();
    expect(alpha.createInvoice).not.toHaveBeenCalled();
  });

  it('per-order credential: a fresh secret goes to the gateway, only its hash is kept, saved with the order before the invoice is asked for', async () => {
    const order: string[] = [];
    const alpha = fakeGateway('alpha', {}, { perOrderCredential: true });
    const { service, repo } = build(alpha);
    const insert = repo.insertPending.getMockImplementation()!;
    repo.insertPending.mockImplementation(async (fields: Partial<OrderEntity>) => {
      order.push(fields.callback_credential_hash ? 'hash' : 'no hash');
      return insert(fields);
    });
    alpha.createInvoice.mockImplementation(async (i) => {
      order.push('create');
      return invoiceFor({ external_id: i.externalId, amount: i.amount, currency: i.currency });
    });
    const reply = await service.create(input, caller, undefined);
    const sent = alpha.createInvoice.mock.calls[0]![0];
    expect(sent.callbackCredential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const id = (reply.body as { id: string }).id;
    expect(repo.hashes.get(id)).toBe(createHash('sha256').update(sent.callbackCredential!).digest('hex'));
    expect(alpha.callbacks.callbackUrl).toHaveBeenCalledWith(BASE, expect.objectContaining({ id }), sent.callbackCredential);
    expect(order).toEqual(['hash', 'create']);
    expect(JSON.stringify(reply.body)).not.toContain(sent.callbackCredential);
  });

  it('per-order credential: no statement of its own on a fresh create; the invoice is attached at the version the save left', async () => {
    const alpha = fakeGateway('alpha', {}, { perOrderCredential: true });
    const { service, repo } = build(alpha);
    await service.create(input, caller, undefined);
    expect(repo.setCallbackCredentialHash).not.toHaveBeenCalled();
    expect(repo.applyOptimistic).toHaveBeenCalledTimes(1);
    expect(repo.applyOptimistic.mock.calls[0]![1]).toBe('1');
    expect(repo.apply).not.toHaveBeenCalled();
  });

  it('per-order credential: finishing an order a failed create left pending makes a new secret, its hash written before the invoice is asked for', async () => {
    const order: string[] = [];
    const alpha = fakeGateway('alpha', {}, { perOrderCredential: true });
    const { service, repo } = build(alpha);
    alpha.createInvoice.mockRejectedValueOnce(new GatewayError('rejected', 'refused', { gateway: 'alpha', endpoint: 'create' }));
    alpha.getInvoice.mockResolvedValue(null);
    await service.create(input, caller, undefined).catch(() => undefined);
    const [saved] = [...repo.rows.values()];
    const first = repo.hashes.get(saved!.id);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    repo.setCallbackCredentialHash.mockImplementation(async (id: string, hash: string) => {
      order.push('hash');
      repo.hashes.set(id, hash);
    });
    alpha.createInvoice.mockImplementation(async (i) => {
      order.push('create');
      return invoiceFor({ external_id: i.externalId, amount: i.amount, currency: i.currency });
    });
    const finished = await service.finishPending(saved!, alpha, 'reconcile');
    expect(finished.status).toBe('awaiting_payment');
    expect(order).toEqual(['hash', 'create']);
    const sent = alpha.createInvoice.mock.calls.at(-1)![0];
    expect(repo.hashes.get(saved!.id)).toBe(createHash('sha256').update(sent.callbackCredential!).digest('hex'));
    expect(repo.hashes.get(saved!.id)).not.toBe(first);
  });

  it('an unclear create is looked up by external id before giving up (never two invoices): found, the order goes on', async () => {
    const alpha = fakeGateway('alpha');
    alpha.createInvoice.mockRejectedValue(new GatewayError('timeout', 'no answer', { gateway: 'alpha', endpoint: 'create' }));
    alpha.getInvoice.mockImplementation(async (ref) => invoiceFor({ external_id: ref.externalId, amount: '10.00', currency: 'UAH' }));
    const { service } = build(alpha);
    const reply = await service.create({ ...input, external_id: 'ext-1' }, caller, undefined);
    expect(reply.body).toMatchObject({ status: 'awaiting_payment', gateway_invoice_id: 'inv-1' });
    expect(alpha.getInvoice).toHaveBeenCalledWith({ invoiceId: null, externalId: 'ext-1', orderId: expect.any(String) });
    expect(alpha.createInvoice).toHaveBeenCalledTimes(1);
  });

  it('an unclear create not found at the gateway: 503, the order kept pending and named', async () => {
    const alpha = fakeGateway('alpha');
    alpha.createInvoice.mockRejectedValue(new GatewayError('unavailable', 'down', { gateway: 'alpha', endpoint: 'create' }));
    const { service, repo } = build(alpha);
    const err = (await service.create(input, caller, undefined).catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ status: 503, code: 'GATEWAY_UNAVAILABLE' });
    const [saved] = [...repo.rows.values()];
    expect(saved!.status).toBe('pending');
    expect(err.details).toMatchObject({ order_id: saved!.id, gateway: 'alpha' });
  });

  it("cancel asks the order's own gateway by its invoice; a gateway that cannot cancel is not asked, the order is canceled", async () => {
    const alpha = fakeGateway('alpha');
    const beta = fakeGateway('beta', { cancelInvoice: undefined });
    beta.capabilities.cancel = false;
    const { service } = build(alpha, beta);
    const a = (await service.create(input, caller, undefined)).body as { id: string; external_id: string };
    const b = (await service.create({ ...input, provider: 'beta' }, caller, undefined)).body as { id: string; external_id: string };
    alpha.getInvoice.mockImplementation(async (ref) => invoiceFor({ external_id: ref.externalId, amount: '10.00', currency: 'UAH' }));
    beta.getInvoice.mockImplementation(async (ref) => invoiceFor({ external_id: ref.externalId, amount: '10.00', currency: 'UAH' }));
    expect((await service.cancel(a.id, 'api')).status).toBe('canceled');
    expect(alpha.cancelInvoice).toHaveBeenCalledWith({ invoiceId: 'inv-1', externalId: a.external_id, orderId: a.id });
    expect((await service.cancel(b.id, 'api')).status).toBe('canceled');
    expect(beta.getInvoice).toHaveBeenCalledWith({ invoiceId: 'inv-1', externalId: b.external_id, orderId: b.id });
  });

  it("reconcile reads the order's invoice back from its own gateway and applies what it says", async () => {
    const alpha = fakeGateway('alpha');
    const { service } = build(alpha);
    const o = (await service.create(input, caller, undefined)).body as { id: string; external_id: string };
    alpha.getInvoice.mockImplementation(async (ref) =>
      invoiceFor({ external_id: ref.externalId, amount: '10.00', currency: 'UAH' }, { status: 'success', rawStatus: 'PAID', finishedAt: '2026-01-01T00:00:00Z' }),
    );
    const after = await service.reconcile(o.id, 'reconcile');
    expect(after.status).toBe('paid');
    expect(alpha.getInvoice).toHaveBeenCalledWith({ invoiceId: 'inv-1', externalId: o.external_id, orderId: o.id });
  });

  it("callbackUrl is the order's gateway's", () => {
    const alpha = fakeGateway('alpha');
    const { service } = build(alpha);
    expect(service.callbackUrl({ id: 'o-1', external_id: 'e-1', provider: 'alpha' }, 'tok')).toBe(`${BASE}/v1/webhooks/alpha?o=o-1`);
    expect(alpha.callbacks.callbackUrl).toHaveBeenCalledWith(BASE, { id: 'o-1', external_id: 'e-1', provider: 'alpha' }, 'tok');
  });
});
