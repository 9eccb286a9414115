/**
 * SmartWM payment-method codes (the `currency` field of the DPAY API): `<method>.<iso>` for fiat
 * rails, a bare code for crypto. The list is what SmartWM's and Obmenka's pages show; the full
 * list is not published and the cash register decides what is enabled (SMARTWM_PAYMENT_METHODS),
 * so a code outside it is still read by its shape.
 */

/** How the customer pays: decides the hosted page (card form, phone number, transfer details). */
export type MethodFamily = 'card' | 'mobile_money' | 'bank' | 'wallet' | 'crypto';

export interface SmartwmMethod {
  code: string;
  family: MethodFamily;
  name: string;
}

const m = (code: string, family: MethodFamily, name: string): SmartwmMethod => ({ code, family, name });

export const SMARTWM_METHODS: readonly SmartwmMethod[] = Object.freeze([
  m('airtel.mga', 'mobile_money', 'Airtel Money Madagascar'),
  m('airtel-congo.usd', 'mobile_money', 'Airtel Money Congo (USD)'),
  m('airtel-congo.cdf', 'mobile_money', 'Airtel Money Congo (CDF)'),
  m('bank.ngn', 'bank', 'Bank transfer Nigeria'),
  m('bitcoin', 'crypto', 'Bitcoin'),
  m('bitcoin_cash', 'crypto', 'Bitcoin Cash'),
  m('link', 'crypto', 'Chainlink'),
  m('ethereum', 'crypto', 'Ethereum'),
  m('litecoin', 'crypto', 'Litecoin'),
  m('monero', 'crypto', 'Monero'),
  m('tron', 'crypto', 'Tron'),
  m('usdt_erc20', 'crypto', 'USDT (ERC-20)'),
  m('usdt_trc20', 'crypto', 'USDT (TRC-20)'),
  m('usdc_trc20', 'crypto', 'USDC (TRC-20)'),
  m('expresso-senegal.xof', 'mobile_money', 'Expresso Senegal'),
  m('free_money-senegal.xof', 'mobile_money', 'Free Money Senegal'),
  m('imps.inr', 'bank', 'IMPS India'),
  m('paytm.inr', 'wallet', 'Paytm'),
  m('phonepe.inr', 'wallet', 'PhonePe'),
  m('upi.inr', 'bank', 'UPI India'),
  m('moov-togo.xof', 'mobile_money', 'Moov Money Togo'),
  m('moov-ci.xof', 'mobile_money', "Moov Money Côte d'Ivoire"),
  m('moov-benin.xof', 'mobile_money', 'Moov Money Benin'),
  m('moov-mali.xof', 'mobile_money', 'Moov Money Mali'),
  m('moov-burkina-faso.xof', 'mobile_money', 'Moov Money Burkina Faso'),
  m('mpesa-congo.usd', 'mobile_money', 'M-Pesa Congo (USD)'),
  m('mpesa-congo.cdf', 'mobile_money', 'M-Pesa Congo (CDF)'),
  m('mtn-togo.xof', 'mobile_money', 'MTN Mobile Money Togo'),
  m('mtn-ci.xof', 'mobile_money', "MTN Mobile Money Côte d'Ivoire"),
  m('mtn-benin.xof', 'mobile_money', 'MTN Mobile Money Benin'),
  m('mtn-guinea.gnf', 'mobile_money', 'MTN Mobile Money Guinea'),
  m('mvola.mga', 'mobile_money', 'MVola Madagascar'),
  m('vanilla_pay.mga', 'wallet', 'Vanilla Pay Madagascar'),
  m('orange_money.mga', 'mobile_money', 'Orange Money Madagascar'),
  m('orange_money-togo.xof', 'mobile_money', 'Orange Money Togo'),
  m('orange_money-ci.xof', 'mobile_money', "Orange Money Côte d'Ivoire"),
  m('orange_money-benin.xof', 'mobile_money', 'Orange Money Benin'),
  m('orange_money-senegal.xof', 'mobile_money', 'Orange Money Senegal'),
  m('orange_money-burkina-faso.xof', 'mobile_money', 'Orange Money Burkina Faso'),
  m('tmoney.xof', 'mobile_money', 'T-Money Togo'),
  m('verve.ngn', 'card', 'Verve card'),
  m('visamaster.uah', 'card', 'Visa / Mastercard (UAH)'),
  m('visamaster.usd', 'card', 'Visa / Mastercard (USD)'),
  m('visamaster.ngn', 'card', 'Visa / Mastercard (NGN)'),
  m('visamaster.xof', 'card', 'Visa / Mastercard (XOF)'),
]);

export const SMARTWM_METHOD_CODES: readonly string[] = Object.freeze(SMARTWM_METHODS.map((x) => x.code));

const BY_CODE = new Map(SMARTWM_METHODS.map((x) => [x.code, x]));

/** A method code's shape: lowercase words joined by `_` or `-`, then `.xxx` for fiat. */
export const METHOD_CODE_RE = /^[a-z0-9]+(?:[_-][a-z0-9]+)*(?:\.[a-z]{3})?$/;

/** The ISO currency a method settles in: `visamaster.uah` → `UAH`; crypto codes have none (null). */
export function isoOf(code: string): string | null {
  const match = /^[a-z0-9]+(?:[_-][a-z0-9]+)*\.([a-z]{3})$/.exec(code);
  return match ? match[1]!.toUpperCase() : null;
}

const CARD_PREFIXES = ['visamaster', 'verve'];
const MOBILE_MONEY_PREFIXES = ['mpesa', 'orange_money', 'mtn', 'airtel', 'moov', 'mvola', 'tmoney', 'expresso', 'free_money'];

/** The family of a listed method; an unlisted code by its prefix (crypto when it has no ISO suffix). */
export function methodFamily(code: string): MethodFamily | null {
  const known = BY_CODE.get(code);
  if (known) return known.family;
  if (!METHOD_CODE_RE.test(code)) return null;
  const base = code.split('.')[0]!;
  const prefix = (list: string[]) => list.some((p) => base === p || base.startsWith(`${p}-`));
  if (prefix(CARD_PREFIXES)) return 'card';
  if (prefix(MOBILE_MONEY_PREFIXES)) return 'mobile_money';
  return isoOf(code) ? 'bank' : 'crypto';
}

export function methodName(code: string): string {
  return BY_CODE.get(code)?.name ?? code;
}
