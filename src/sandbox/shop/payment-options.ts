import Decimal from 'decimal.js';
import { priceIn, Product } from './catalog';

/** A gateway as GET /v1/gateways answers it (the fields the shop reads; docs/api.md section 5). */
export interface ApiGateway {
  provider: string;
  label: string;
  default: boolean;
  capabilities: { payment_method_required: boolean };
  checkout: {
    title: string;
    method_choice: 'storefront' | 'gateway';
    methods_by_currency: boolean;
    order_currencies: string[] | null;
    option_label: string | null;
    method_noun: string | null;
  };
}

/** A payment method as GET /v1/payment-methods answers it (the fields the shop reads). */
export interface ApiMethod {
  method_code: string;
  name: string;
  min_sum: string | null;
  max_sum: string | null;
  currency: { code: string } | null;
}

/** A gateway that is on and what it lists: its methods, or null when it publishes no list. */
export interface GatewayOffer {
  gateway: ApiGateway;
  methods: ApiMethod[] | null;
}

/** One way to pay a product: a gateway, and the method when the buyer picks it here. */
export interface PayOption {
  /** The form value: the provider alone (the method is picked on the gateway's page), or `provider:method_code`. */
  value: string;
  provider: string;
  method: string | null;
  label: string;
  detail: string;
  amount: string;
  currency: string;
}

export interface GatewayGroup {
  provider: string;
  title: string;
  options: PayOption[];
}

const takes = (amount: string, m: ApiMethod) => {
  const a = new Decimal(amount);
  return (m.min_sum === null || a.gte(m.min_sum)) && (m.max_sum === null || a.lte(m.max_sum));
};

const ISO = /^[A-Z]{3}$/;

/** The currency the method names (an ISO code), or null (a coin, or a method that does not say). */
export const methodCurrency = (m: ApiMethod): string | null => (m.currency?.code && ISO.test(m.currency.code) ? m.currency.code : null);

/**
 * The currency to price an order at this gateway in, when nothing more specific says: the first of
 * the gateway's order currencies the shop sells in; the shop's own currency when the gateway names
 * none; undefined when the shop sells in none of them.
 */
export function orderCurrency(product: Product, g: ApiGateway): string | undefined {
  const wanted = g.checkout.order_currencies;
  if (!wanted) return product.currency;
  return wanted.find((c) => priceIn(product, c) !== undefined);
}

/** The checkout's heading for a gateway: what it offers, then its name. */
export const groupTitle = (g: ApiGateway): string => `${g.checkout.title} (${g.label})`;

/**
 * The ways to pay `product` at one gateway, by the rules its GET /v1/gateways facts set:
 * - it lists no methods: one choice, the method picked on its page (none when the order must name one);
 * - the method is picked on its page (`method_choice: gateway`): one choice, offered when a method
 *   of the order's currency takes the price, naming those methods;
 * - the method is picked here (`method_choice: storefront`): one choice per method the shop can
 *   price (in the method's own currency, else in the gateway's order currencies) whose limits take the price.
 */
export function gatewayOptions(product: Product, { gateway: g, methods }: GatewayOffer): PayOption[] {
  const { label } = g;
  const noun = g.checkout.method_noun ?? 'payment method';
  const base = orderCurrency(product, g);
  const amountIn = (currency: string | undefined) => (currency ? priceIn(product, currency) : undefined);
  const one = (detail: string, currency: string, amount: string): PayOption[] => [
    { value: g.provider, provider: g.provider, method: null, label: g.checkout.option_label ?? `Pay in ${currency}`, detail, amount, currency },
  ];
  if (methods === null) {
    const amount = amountIn(base);
    if (g.capabilities.payment_method_required || !base || !amount) return [];
    return one(`you choose the ${noun} on the ${label} page`, base, amount);
  }
  if (g.checkout.method_choice === 'gateway') {
    const amount = amountIn(base);
    if (!base || !amount) return [];
    const fits = methods.filter((m) => (!m.currency || m.currency.code === base) && takes(amount, m));
    return fits.length ? one(`${fits.map((m) => m.name).join(', ')}: you choose on the ${label} page`, base, amount) : [];
  }
  const options: PayOption[] = [];
  for (const m of methods) {
    const own = methodCurrency(m);
    // A method that names no currency is priced in the gateway's order currencies only (when it names some).
    const currency = own ?? (g.checkout.order_currencies ? base : undefined);
    const amount = amountIn(currency);
    if (!currency || !amount || !takes(amount, m)) continue;
    const detail = own ? `paid in ${currency} on the ${label} page` : `the ${noun} amount is shown on the ${label} page`;
    options.push({ value: `${g.provider}:${m.method_code}`, provider: g.provider, method: m.method_code, label: m.name, detail, amount, currency });
  }
  return options;
}

/** The ways to pay `product`, a group per gateway that offers one, in the service's order of the gateways. */
export function payOptions(product: Product, offers: GatewayOffer[]): GatewayGroup[] {
  return offers.flatMap((o) => {
    const options = gatewayOptions(product, o);
    return options.length ? [{ provider: o.gateway.provider, title: groupTitle(o.gateway), options }] : [];
  });
}

/** What the buyer gets when the form names no way to pay: the default gateway's first choice (none when it offers none). */
export function defaultOption(groups: GatewayGroup[], offers: GatewayOffer[]): PayOption | undefined {
  const preferred = offers.find((o) => o.gateway.default)?.gateway.provider;
  return groups.find((g) => g.provider === preferred)?.options[0];
}
