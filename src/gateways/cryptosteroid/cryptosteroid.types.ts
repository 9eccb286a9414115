/**
 * CryptoSteroid wire types (merchant invoice API). Field names, enums and header names are the
 * provider's; where its docs leave a shape open (timestamps, the read-back GET, the webhook body)
 * the type says so, and the mapping reads it tolerantly.
 */

/** Invoice currencies the provider takes (`fiatCurrency`). */
export const CS_FIAT_CURRENCIES = ['USD', 'EUR', 'RUB'] as const;
export type CsFiatCurrency = (typeof CS_FIAT_CURRENCIES)[number];

/** Payment methods (`paymentMethod`): the coin, with the network for USDT. */
export const CS_PAYMENT_METHODS = ['BTC', 'ETH', 'TRX', 'BCH', 'LTC', 'DOGE', 'USDT_ERC20', 'USDT_TRC20'] as const;
export type CsPaymentMethod = (typeof CS_PAYMENT_METHODS)[number];

export const CS_INVOICE_STATUSES = ['NEW', 'WAITING', 'EXPIRED', 'CANCELLED', 'PAID'] as const;
export type CsInvoiceStatus = (typeof CS_INVOICE_STATUSES)[number];

export const CS_WHO_PAYS_COMMISSION = ['buyer', 'seller'] as const;
export type CsWhoPaysCommission = (typeof CS_WHO_PAYS_COMMISSION)[number];

/** The header carrying the invoice's `secret` on the webhook. */
export const CS_TOKEN_HEADER = 'token';
/** The header carrying the merchant API key. */
export const CS_API_KEY_HEADER = 'x-api-key';
/** The one source address the provider names for its notifications. */
export const CS_DOCUMENTED_WEBHOOK_IP = '82.117.255.226';

/** `POST /merchants/{merchant}/invoices` body. */
export interface CsCreateInvoiceRequest {
  fiatCurrency: CsFiatCurrency;
  /** Decimal string in fiatCurrency. */
  fiatAmount: string;
  description: string;
  whoPayCommission?: CsWhoPaysCommission;
  externalId?: string;
  paymentMethod?: CsPaymentMethod;
  /** Required with processingUrl; echoed in the webhook's Token header. */
  secret?: string;
  processingUrl?: string;
  returnUrl?: string;
  failReturnUrl?: string;
}

/** `PATCH /merchants/{merchant}/invoices/{id}` body (invoice must be NEW). */
export interface CsUpdateInvoiceRequest {
  paymentMethod: CsPaymentMethod;
}

/** Timestamps: format UNKNOWN (other objects of the provider use numbers); read as number or ISO string. */
export type CsTimestamp = number | string;

export interface CsInvoicePaid {
  /** On-chain transaction hashes that paid the invoice. */
  hash: string[];
  /** Total coin amount received (INFERRED). */
  received: string;
  /** Fiat equivalent of what was received (INFERRED). */
  fiat: string;
  /** True once the payment is complete and confirmed (INFERRED). */
  finished: boolean;
}

/** `InvoicePayData`: every amount in the coin of `method`. */
export interface CsInvoicePayData {
  method: CsPaymentMethod;
  address: string;
  /** What the customer must send. */
  amount: string;
  /** Credited to the merchant after the fee (INFERRED). */
  net: string;
  fee: string;
  paid: CsInvoicePaid;
}

/** The Invoice object: create, read, PATCH answers, and (INFERRED) the webhook body. */
export interface CsInvoice {
  merchantId: string;
  invoiceId: string;
  fiatAmount: string;
  fiatCurrency: CsFiatCurrency;
  description: string;
  whoPayCommission: CsWhoPaysCommission;
  /** Null until a method is chosen (INFERRED). */
  payment: CsInvoicePayData | null;
  externalId: string | null;
  invoiceUrl: string;
  returnUrl: string | null;
  failReturnUrl: string | null;
  timeoutSeconds: number;
  createdAt: CsTimestamp;
  expiresAt: CsTimestamp;
  updatedAt: CsTimestamp;
  status: CsInvoiceStatus;
}

/** `DELETE /merchants/{merchant}/invoices/{id}` answer (`invoiceId` is documented as Boolean; read as the UUID). */
export interface CsCancelResponse {
  invoiceId: string;
  merchantId: string;
  failUrl: string | null;
  status: string;
}
