import Decimal from 'decimal.js';
import type { GatewayInvoiceStatus } from '../../gateways/gateway.port';

/** Why an order needs a person (docs/api.md section 3.6, `exception`). */
export const ORDER_EXCEPTIONS = ['underpaid', 'overpaid', 'paid_late', 'adjusted'] as const;
export type OrderException = (typeof ORDER_EXCEPTIONS)[number];

/** A decimal string with its unit: an ISO currency or a coin code. */
export interface Money {
  amount: string;
  unit: string;
}

/** What the customer was asked to pay and what arrived, in one unit, as the gateway confirms them. */
export interface PaymentFigures {
  expected: Money | null;
  received: Money | null;
}

const decimal = (s: string): Decimal | null => {
  try {
    const d = new Decimal(s);
    return d.isFinite() ? d : null;
  } catch {
    return null;
  }
};

/**
 * What the figures say about coverage. Underpaid: something arrived, but less than asked (a
 * success, or an invoice that ended without success after receiving money). Overpaid: a success
 * with more than asked. Figures in different units, unreadable or absent say nothing.
 */
export function exceptionsSeen(status: GatewayInvoiceStatus, figures: PaymentFigures | null): { underpaid: boolean; overpaid: boolean } {
  const none = { underpaid: false, overpaid: false };
  if (!figures?.expected || !figures.received || figures.expected.unit !== figures.received.unit) return none;
  const expected = decimal(figures.expected.amount);
  const received = decimal(figures.received.amount);
  if (!expected || !received || expected.lte(0)) return none;
  if (status === 'success') return { underpaid: received.lt(expected), overpaid: received.gt(expected) };
  if (status === 'expired' || status === 'fail' || status === 'canceled') return { underpaid: received.gt(0) && received.lt(expected), overpaid: false };
  return none;
}
