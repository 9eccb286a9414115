import { GatewayError } from '../gateways/gateway.errors';
import type { GatewayInvoice, PaymentGateway } from '../gateways/gateway.port';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import type { JobsService } from '../jobs/jobs.service';
import { decide, Observation } from '../orders/domain/decide';
import { OrderEntity } from '../orders/order.entity';
import type { AppliedChange, OrdersRepository } from '../orders/orders.repository';
import { CallbackProcessor } from './callback-processor.service';
import type { InboxRow, WebhookInboxRepository } from './webhook-inbox.repository';

// The callback processor with its edges replaced: the inbox and orders repositories are jest
// mocks (the order change runs the real `decide`), the gateways fakes of the port.

const order = (over: Partial<OrderEntity> = {}): OrderEntity =>
  Object.assign(new OrderEntity(), {
    id: 'o-1', external_id: 'ext-1', provider: 'beta', status: 'awaiting_payment', amount: '10.00', currency: 'UAH', gateway_invoice_id: 'inv-1',
    payment_link: null, expires_at: null, payment: null, paid_at: null, exception: null, exception_resolved_at: null, ...over,
  });

const row = (over: Partial<InboxRow> = {}): InboxRow =>
  ({
    id: 'row-1', provider: 'beta', idempotency_key: 'k', payload_hash: 'h', raw_body: Buffer.from('{"status":"PAID"}'), headers: {},
    gateway_order_id: 'inv-1', external_id: 'ext-1', order_id: null, status: 'received', conflict_of: null, attempts: 0, last_error: null,
    outcome: null, received_at: new Date(), processed_at: null, ...over,
  }) as InboxRow;

const paid = (o: OrderEntity): GatewayInvoice => ({
  invoiceId: 'inv-1', externalId: o.external_id, status: 'success', rawStatus: 'PAID', amount: o.amount, currency: o.currency,
  paymentLink: null, expiresAt: null, finishedAt: '2026-01-01T00:00:00Z', payment: null,
});

function fakeGateway(name: string): jest.Mocked<PaymentGateway> {
  return {
    name, mode: 'live', timeoutMs: 1000,
    capabilities: { cancel: false, webhookHistory: false, withdrawals: false, catalogue: false, paymentMethodRequired: false },
    callbacks: {
      route: { path: name, methods: ['POST'] }, perOrderCredential: false, callbackUrl: () => '', authenticate: () => ({ ok: true }),
      parse: (req: { rawBody: Buffer }) => ({ orderId: null, invoiceId: null, externalId: null, dedupeKey: 'k', keptHeaders: {}, claimedStatus: (JSON.parse(req.rawBody.toString()) as { status: string }).status }),
    },
    checkOrder: () => null,
    createInvoice: jest.fn(),
    getInvoice: jest.fn(),
  } as unknown as jest.Mocked<PaymentGateway>;
}

function build(found: OrderEntity | null) {
  const alpha = fakeGateway('alpha');
  const beta = fakeGateway('beta');
  const inbox = { finish: jest.fn(async () => undefined), finishPart: jest.fn() };
  const orders = {
    findForCallback: jest.fn(async () => found),
    apply: jest.fn(async (_id: string, _s: string, observe: (o: OrderEntity) => Observation, also?: (m: unknown, c: AppliedChange) => Promise<void>) => {
      const decision = decide(found!, await observe(found!), new Date());
      const change = { order: Object.assign(new OrderEntity(), found, decision.patch), decision, events: [] } as AppliedChange;
      await also?.({}, change);
      return change;
    }),
  };
  const processor = new CallbackProcessor(
    inbox as unknown as WebhookInboxRepository,
    orders as unknown as OrdersRepository,
    new GatewayRegistry([alpha, beta]),
    {} as JobsService,
  );
  return { processor, alpha, beta, inbox, orders };
}

describe('CallbackProcessor (edges replaced)', () => {
  it("reads the invoice back from the order's own gateway and applies what the gateway says, not the body", async () => {
    const o = order();
    const { processor, alpha, beta, inbox, orders } = build(o);
    beta.getInvoice.mockResolvedValue(paid(o));
    const result = await processor.process(row());
    expect(orders.findForCallback).toHaveBeenCalledWith('beta', { orderId: null, invoiceId: 'inv-1', externalId: 'ext-1' });
    expect(beta.getInvoice).toHaveBeenCalledWith({ invoiceId: 'inv-1', externalId: 'ext-1', orderId: 'o-1' });
    expect(alpha.getInvoice).not.toHaveBeenCalled();
    expect(result).toMatchObject({ status: 'processed', order_id: 'o-1', outcome: { gateway_status: 'PAID', body_status: 'PAID', from_status: 'awaiting_payment', to_status: 'paid' } });
    expect(inbox.finish).toHaveBeenCalledWith('row-1', 'processed', expect.objectContaining({ order_id: 'o-1' }), expect.anything());
  });

  it('a body claiming success changes nothing when the gateway says pending', async () => {
    const o = order();
    const { processor, beta } = build(o);
    beta.getInvoice.mockResolvedValue({ ...paid(o), status: 'pending', rawStatus: 'WAITING', finishedAt: null });
    const result = await processor.process(row());
    expect(result.outcome).toMatchObject({ body_status: 'PAID', gateway_status: 'WAITING', to_status: 'awaiting_payment' });
  });

  it('no order of ours: settled unmatched, the gateway is not asked', async () => {
    const { processor, beta, inbox } = build(null);
    const result = await processor.process(row());
    expect(result.status).toBe('unmatched');
    expect(beta.getInvoice).not.toHaveBeenCalled();
    expect(inbox.finish).toHaveBeenCalledWith('row-1', 'unmatched', expect.anything());
  });

  it('the read-back is unclear (timeout): thrown to be retried, nothing settled', async () => {
    const o = order();
    const { processor, beta, inbox, orders } = build(o);
    beta.getInvoice.mockRejectedValue(new GatewayError('timeout', 'no answer', { gateway: 'beta', endpoint: 'read' }));
    await expect(processor.process(row())).rejects.toThrow(/gateway read-back/);
    expect(orders.apply).not.toHaveBeenCalled();
    expect(inbox.finish).not.toHaveBeenCalled();
  });

  it('the gateway has no such invoice: failed for ops, the order untouched', async () => {
    const o = order();
    const { processor, beta, orders } = build(o);
    beta.getInvoice.mockResolvedValue(null);
    await expect(processor.process(row())).resolves.toMatchObject({ status: 'failed', order_id: 'o-1' });
    expect(orders.apply).not.toHaveBeenCalled();
  });

  it("an invoice that is not the order's (other amount) leaves the callback failed and the order as it was", async () => {
    const o = order();
    const { processor, beta } = build(o);
    beta.getInvoice.mockResolvedValue({ ...paid(o), amount: '1.00' });
    const result = await processor.process(row());
    expect(result.status).toBe('failed');
    expect(result.outcome).toMatchObject({ to_status: 'awaiting_payment', mismatch: ['amount'] });
  });

  it('an order found by the intake (per-order credential) is looked up by its id', async () => {
    const o = order();
    const { processor, beta, orders } = build(o);
    beta.getInvoice.mockResolvedValue(paid(o));
    await processor.process(row({ order_id: 'o-1', gateway_order_id: null }));
    expect(orders.findForCallback).toHaveBeenCalledWith('beta', { orderId: 'o-1', invoiceId: null, externalId: 'ext-1' });
    expect(beta.getInvoice).toHaveBeenCalledWith({ invoiceId: 'inv-1', externalId: 'ext-1', orderId: 'o-1' });
  });
});
