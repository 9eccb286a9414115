/** The demo shop's products: fixed, money as decimal strings. */
export interface Product {
  sku: string;
  name: string;
  blurb: string;
  amount: string;
  currency: string;
  /** The gateway it is sold through (the order's `provider`); unset: the service's DEFAULT_PROVIDER. */
  provider?: string;
}

export const PRODUCTS: readonly Product[] = [
  {
    sku: 'premium-1m',
    name: 'Premium subscription, 1 month',
    blurb: 'Everything in the free plan, plus priority support and no ads.',
    amount: '1500.00',
    currency: 'UAH',
  },
  {
    sku: 'premium-12m',
    name: 'Premium subscription, 12 months',
    blurb: 'A year of Premium for the price of eight months. Fewer payment methods take an amount this size.',
    amount: '12000.00',
    currency: 'UAH',
  },
  {
    sku: 'premium-1m-crypto',
    name: 'Premium subscription, 1 month, paid in crypto',
    blurb: 'The same month of Premium, paid in BTC, ETH, USDT and more through CryptoSteroid.',
    amount: '39.00',
    currency: 'USD',
    provider: 'cryptosteroid',
  },
];

/** The products whose gateway is on (`isOn(provider)`); those without a gateway of their own always. */
export const productsOn = (isOn: (provider: string) => boolean): readonly Product[] => PRODUCTS.filter((p) => !p.provider || isOn(p.provider));

export const productBySku = (sku: unknown, products: readonly Product[] = PRODUCTS): Product | undefined => products.find((p) => p.sku === sku);

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
