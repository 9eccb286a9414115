import Decimal from 'decimal.js';
import { priceIn, Product } from './catalog';

/** The gateways a buyer may choose from, in the order the shop offers them. */
export const SHOP_GATEWAYS = ['eccaex', 'cryptosteroid', 'smartwm'] as const;
export type ShopGateway = (typeof SHOP_GATEWAYS)[number];

/** A payment method as GET /v1/payment-methods answers it (the fields the shop reads). */
export interface ApiMethod {
  method_code: string;
  name: string;
  min_sum: string | null;
  max_sum: string | null;
  currency: { code: string } | null;
}

/** One way to pay a product: a gateway, and the method when the gateway needs it up front. */
export interface PayOption {
  /** The form value: `eccaex`, `cryptosteroid:USDT_TRC20`, `smartwm:visamaster.uah`. */
  value: string;
  provider: ShopGateway;
  method: string | null;
  label: string;
  detail: string;
  amount: string;
  currency: string;
}

export interface GatewayGroup {
  provider: ShopGateway;
  title: string;
  options: PayOption[];
}

export const GATEWAY_TITLES: Record<ShopGateway, string> = {
  eccaex: 'Card or bank transfer (EccaEx)',
  cryptosteroid: 'Cryptocurrency (CryptoSteroid)',
  smartwm: 'Card or mobile money (SmartWM)',
};

const takes = (amount: string, m: ApiMethod) => {
  const a = new Decimal(amount);
  return (m.min_sum === null || a.gte(m.min_sum)) && (m.max_sum === null || a.lte(m.max_sum));
};

/** The ISO currency of a SmartWM method: its catalogue currency, else the code's `.xxx` suffix; null for coins. */
export function smartwmCurrency(m: ApiMethod): string | null {
  if (m.currency?.code && /^[A-Z]{3}$/.test(m.currency.code)) return m.currency.code;
  const suffix = /\.([a-z]{3})$/.exec(m.method_code);
  return suffix ? suffix[1]!.toUpperCase() : null;
}

/**
 * The ways to pay `product`, from what the service says each gateway offers (`methods[g]`
 * undefined = the gateway is not on). EccaEx: one option, the bank is chosen on its page, offered
 * when a method takes the price; CryptoSteroid: one option per coin it lists (or one, the coin
 * chosen on its page, when it lists none), in dollars; SmartWM: one per
 * card or mobile-money method in a currency the shop sells in.
 */
export function payOptions(product: Product, methods: Partial<Record<ShopGateway, ApiMethod[] | null>>): GatewayGroup[] {
  const groups: GatewayGroup[] = [];
  const ecca = methods.eccaex;
  if (ecca) {
    const fits = ecca.filter((m) => (!m.currency || m.currency.code === product.currency) && takes(product.amount, m));
    if (fits.length) {
      groups.push({
        provider: 'eccaex',
        title: GATEWAY_TITLES.eccaex,
        options: [{ value: 'eccaex', provider: 'eccaex', method: null, label: 'Pay in hryvnia', detail: `${fits.map((m) => m.name).join(', ')}: you choose on the EccaEx page`, amount: product.amount, currency: product.currency }],
      });
    }
  }
  const coins = methods.cryptosteroid;
  if (coins === null) {
    // On, with no published list: the coin is chosen on the CryptoSteroid page.
    groups.push({
      provider: 'cryptosteroid',
      title: GATEWAY_TITLES.cryptosteroid,
      options: [{ value: 'cryptosteroid', provider: 'cryptosteroid', method: null, label: 'Pay with a coin', detail: 'you choose the coin on the CryptoSteroid page', amount: product.usd, currency: 'USD' }],
    });
  } else if (coins?.length) {
    groups.push({
      provider: 'cryptosteroid',
      title: GATEWAY_TITLES.cryptosteroid,
      options: coins.map((m) => ({ value: `cryptosteroid:${m.method_code}`, provider: 'cryptosteroid', method: m.method_code, label: m.name, detail: 'the coin amount is shown on the CryptoSteroid page', amount: product.usd, currency: 'USD' })),
    });
  }
  const smart = methods.smartwm;
  if (smart) {
    const options: PayOption[] = [];
    for (const m of smart) {
      const currency = smartwmCurrency(m);
      const amount = currency ? priceIn(product, currency) : undefined;
      if (!currency || !amount || !takes(amount, m)) continue;
      options.push({ value: `smartwm:${m.method_code}`, provider: 'smartwm', method: m.method_code, label: m.name, detail: `paid in ${currency} on the SmartWM page`, amount, currency });
    }
    if (options.length) groups.push({ provider: 'smartwm', title: GATEWAY_TITLES.smartwm, options });
  }
  return groups;
}
