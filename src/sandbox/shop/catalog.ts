/** The demo shop's products: fixed, money as decimal strings. */
export interface Product {
  sku: string;
  name: string;
  blurb: string;
  /** The shop's own price, for the ways to pay in its own currency. */
  amount: string;
  currency: string;
  /** The same product in dollars, for the ways to pay that take USD (a gateway that prices in dollars, a dollar method). */
  usd: string;
}

export const PRODUCTS: readonly Product[] = [
  {
    sku: 'premium-1m',
    name: 'Premium subscription, 1 month',
    blurb: 'Everything in the free plan, plus priority support and no ads.',
    amount: '1500.00',
    currency: 'UAH',
    usd: '36.00',
  },
  {
    sku: 'premium-12m',
    name: 'Premium subscription, 12 months',
    blurb: 'A year of Premium for the price of eight months. Fewer payment methods take an amount this size.',
    amount: '12000.00',
    currency: 'UAH',
    usd: '288.00',
  },
];

export const productBySku = (sku: unknown): Product | undefined => PRODUCTS.find((p) => p.sku === sku);

/** The product's price in a currency the shop sells in, or undefined. */
export function priceIn(p: Product, currency: string): string | undefined {
  if (currency === p.currency) return p.amount;
  if (currency === 'USD') return p.usd;
  return undefined;
}

/** What a buyer reads for each order status: the badge (never the raw status name) and the page. */
export const STATUS_LABEL: Record<string, string> = {
  pending: 'Being set up',
  awaiting_payment: 'Waiting for payment',
  paid: 'Paid',
  failed: 'Failed',
  expired: 'Expired',
  canceled: 'Canceled',
};

/** Order statuses after which nothing changes for the customer (a late success still can, rarely). */
export const TERMINAL = new Set(['paid', 'failed', 'expired', 'canceled']);

/** What the customer reads for each order status. */
export const STATUS_TEXT: Record<string, { title: string; note: string }> = {
  pending: { title: 'Waiting for the payment page', note: 'The order is saved; the payment gateway has not opened the invoice yet.' },
  awaiting_payment: { title: 'Waiting for confirmation', note: 'The payment gateway has not confirmed the payment yet. This page updates by itself.' },
  paid: { title: 'Payment received', note: 'Thank you! The payment is confirmed and the order is paid.' },
  failed: { title: 'Payment failed', note: 'The payment did not go through. No money was taken; you can buy again.' },
  expired: { title: 'Payment expired', note: 'The time to pay ran out before the payment was made.' },
  canceled: { title: 'Payment canceled', note: 'The payment was canceled. You can buy again whenever you like.' },
};
