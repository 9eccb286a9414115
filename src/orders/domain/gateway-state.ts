import type { GatewayInvoice, GatewayPayment } from '../../gateways/gateway.port';
import type { InvoiceTerms, ObservedPayment, Observation } from './decide';

/** What the gateway says the invoice is for (checked against the order by `decide`). */
export const termsOf = (inv: GatewayInvoice): InvoiceTerms => ({ external_id: inv.externalId ?? '', amount: inv.amount, currency: inv.currency });

/** The contract's own keys of the Order's `payment`; a gateway's figures under these names fill them. */
const CONTRACT_KEYS = ['amount_fiat', 'conversion_rate', 'merchant_usdt'] as const;

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The port's payment in the Order's terms: the contract's keys from `details` where the gateway has them, its other figures beside them. */
export function observedPayment(p: GatewayPayment): ObservedPayment {
  const extra: Record<string, string | boolean | null | string[]> = {};
  for (const [k, v] of Object.entries(p.details ?? {})) if (!(CONTRACT_KEYS as readonly string[]).includes(k) && k !== 'method_code' && k !== 'adjusted') extra[k] = v;
  return {
    method_code: p.method_code,
    amount_fiat: text(p.details?.amount_fiat),
    conversion_rate: text(p.details?.conversion_rate),
    merchant_usdt: text(p.details?.merchant_usdt),
    adjusted: p.adjusted,
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

/** A read of the gateway as the one observation every path applies (create's retry, callback, reconcile, cancel). */
export function gatewayStateOf(inv: GatewayInvoice): Observation {
  const p = inv.payment;
  return {
    kind: 'gateway_state',
    status: inv.status,
    rawStatus: inv.rawStatus,
    invoiceId: inv.invoiceId,
    paymentLink: inv.paymentLink,
    expiresAt: inv.expiresAt,
    finishedAt: inv.finishedAt,
    payment: p ? observedPayment(p) : null,
    ...(p && (p.expected || p.received) ? { figures: { expected: p.expected, received: p.received } } : {}),
    terms: termsOf(inv),
  };
}
