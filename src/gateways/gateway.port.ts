/**
 * The port every payment gateway implements. Orders, callbacks and reconciliation speak only
 * this language; each gateway folder maps its own API onto it.
 */
export type GatewayInvoiceStatus = 'pending' | 'success' | 'fail' | 'expired' | 'canceled' | 'unknown';

/** What the customer chose and what it costs, as the gateway reports it (money as strings). */
export interface GatewayPayment {
  method_code: string | null;
  amount_fiat: string | null;
  conversion_rate: string | null;
  merchant_usdt: string | null;
  /** The gateway itself flagged the amounts as adjusted. */
  adjusted: boolean;
}

export interface GatewayInvoice {
  invoiceId: string;
  externalId: string;
  /** Normalised status; `unknown` for anything unrecognised (treated as non-terminal). */
  status: GatewayInvoiceStatus;
  /** The gateway's status string, verbatim, for logs and timelines. */
  rawStatus: string;
  amount: string;
  currency: string;
  paymentLink: string | null;
  expiresAt: string | null;
  finishedAt: string | null;
  payment: GatewayPayment | null;
}

export interface CreateInvoiceInput {
  amount: string;
  currency: string;
  customerId: string;
  externalId: string;
  description?: string | null;
  callbackUrl: string;
  successUrl?: string | null;
  failUrl?: string | null;
  paymentMethod?: string | null;
}

export interface GatewayCurrency {
  currency: string;
  decimal: number;
  symbol: string | null;
  name: string | null;
  rate: string | null;
}

export interface GatewayPaymentMethod {
  name: string;
  method_code: string;
  min_sum: string | null;
  max_sum: string | null;
  logo_url: string | null;
  payment_time: number | null;
  currency: { code: string; name: string | null; symbol: string | null } | null;
  max_commission: string | null;
  client_commission: string | null;
  merchant_commission: string | null;
}

export interface PaymentGateway {
  readonly name: string;
  /** Not idempotent at the gateway: call only after a lookup by external id found nothing. */
  createInvoice(input: CreateInvoiceInput): Promise<GatewayInvoice>;
  /** By the gateway's invoice id or our external id; null when the gateway has no such invoice. */
  getInvoice(ref: string): Promise<GatewayInvoice | null>;
  /**
   * Cancels an unpaid invoice at the gateway (a gateway that has no cancel resolves). Throws
   * GatewayError when the gateway refuses (e.g. the invoice is being paid) or its answer is unclear.
   */
  cancelInvoice(invoiceId: string): Promise<void>;
  listCurrencies(): Promise<GatewayCurrency[]>;
  listPaymentMethods(currency?: string): Promise<GatewayPaymentMethod[]>;
}

export const PAYMENT_GATEWAYS = Symbol('PAYMENT_GATEWAYS');
