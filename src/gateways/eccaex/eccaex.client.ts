import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import { SETTINGS } from '../../config/settings.module';
import type { Settings } from '../../config/settings';
import type { GatewayCallEvent } from '../gateway.port';
import { GatewayCall, GatewayHttp, GatewayHttpOptions } from '../http/gateway-http';
import { isObj, parseDataArray, str, unwrapObject } from '../http/json-shape';
import {
  EccaexCreateInvoiceRequest,
  EccaexCurrency,
  EccaexInvoice,
  EccaexInvoiceListResponse,
  EccaexInvoiceWebhooksResponse,
  EccaexListInvoicesQuery,
  EccaexListWithdrawalsQuery,
  EccaexPaymentMethod,
  EccaexPublicCancelResponse,
  EccaexPublicPaymentMethod,
  EccaexResendWebhookResponse,
  EccaexSelectMethodRequest,
  EccaexSelectMethodResponse,
  EccaexWithdrawal,
  EccaexWithdrawalListResponse,
} from './eccaex.types';
import {
  parseCurrency, parseInvoice, parseList, parsePaymentMethod, parsePublicMethods, parseResend, parseWebhookHistory, parseWithdrawal, readErrorEnvelope,
} from './eccaex.wire';

export const ECCAEX_GATEWAY_NAME = 'eccaex';

/** Optional tuning of the client; injectable under ECCAEX_CLIENT_OPTIONS or passed by tests. */
export type EccaexClientOptions = GatewayHttpOptions;

export const ECCAEX_CLIENT_OPTIONS = Symbol('ECCAEX_CLIENT_OPTIONS');

/** An undici Dispatcher to send through, injectable under this token or passed by tests; the client's own keep-alive pool otherwise. */
export const ECCAEX_DISPATCHER = Symbol('ECCAEX_DISPATCHER');

export type EccaexEndpoint =
  | 'createInvoice'
  | 'listInvoices'
  | 'getInvoice'
  | 'getInvoiceWebhooks'
  | 'resendInvoiceWebhook'
  | 'listPaymentMethods'
  | 'listCurrencies'
  | 'listWithdrawals'
  | 'getWithdrawal'
  | 'publicPaymentMethods'
  | 'publicSelectMethod'
  | 'publicCancel';

/** One HTTP attempt, for metrics. `outcome` is 'ok' or a GatewayErrorKind. */
export type EccaexCallEvent = GatewayCallEvent;

interface CallSpec<T> extends GatewayCall<T> {
  endpoint: EccaexEndpoint;
  method: 'GET' | 'POST';
}

/**
 * HTTP client of the EccaEx merchant API: one method per endpoint, typed results, every failure a
 * GatewayError. The transport (deadline, safe retries, Retry-After, error kinds, the metrics
 * observer, the keep-alive pool) is the shared GatewayHttp; here only EccaEx's endpoints, headers
 * and envelope.
 */
@Injectable()
export class EccaexClient implements OnApplicationShutdown {
  private readonly transport: GatewayHttp;

  constructor(
    @Inject(SETTINGS) readonly settings: Settings,
    @Optional() @Inject(ECCAEX_CLIENT_OPTIONS) options?: EccaexClientOptions,
    @Optional() @Inject(ECCAEX_DISPATCHER) dispatcher?: Dispatcher,
  ) {
    this.transport = new GatewayHttp(
      dispatcher,
      {
        gateway: ECCAEX_GATEWAY_NAME,
        label: 'EccaEx',
        baseUrl: settings.eccaex.baseUrl,
        timeoutMs: () => this.settings.eccaex.timeoutMs,
        headers: () => ({ 'X-Api-Key': this.settings.eccaex.apiKey }),
        requestIdOf: (body, header) => (isObj(body) && str(body.request_id)) || header('x-request-id'),
        errorOf: readErrorEnvelope,
        failedDespite2xx: (body) => isObj(body) && body.successful === false,
      },
      options,
      'EccaexClient',
    );
  }

  /** Observer for metrics: called once per HTTP attempt; exceptions it throws are ignored. */
  get onCall(): ((e: EccaexCallEvent) => void) | undefined {
    return this.transport.onCall;
  }

  set onCall(fn: ((e: EccaexCallEvent) => void) | undefined) {
    this.transport.onCall = fn;
  }

  /**
   * Closes the client's own pool (a given dispatcher is its owner's). After the workers have
   * stopped (beforeApplicationShutdown), so a job finishing its work still reaches EccaEx.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }

  private call<T>(spec: CallSpec<T>): Promise<T> {
    return this.transport.call(spec);
  }

  private seg(endpoint: EccaexEndpoint, value: string): string {
    return this.transport.seg(endpoint, value);
  }

  // ----------------------------------------------------------------------- merchant endpoints

  /** POST /create-invoice. Never retried; on an unclear failure look the invoice up by external id. */
  async createInvoice(body: EccaexCreateInvoiceRequest): Promise<EccaexInvoice> {
    return this.call({
      endpoint: 'createInvoice',
      method: 'POST',
      path: '/create-invoice',
      body,
      parse: (b) => parseInvoice(unwrapObject(b), 'invoice'),
    });
  }

  /** GET /invoices (paginated). */
  async listInvoices(query: EccaexListInvoicesQuery = {}): Promise<EccaexInvoiceListResponse> {
    return this.call({
      endpoint: 'listInvoices',
      method: 'GET',
      path: '/invoices',
      params: { page: query.page, per_page: query.per_page, status: query.status, currency: query.currency, order: query.order },
      parse: (b) => parseList(b, parseInvoice),
    });
  }

  /** GET /invoices/{ref}; ref = EccaEx invoice id or our external id. 404 → GatewayError not_found. */
  async getInvoice(ref: string): Promise<EccaexInvoice> {
    return this.call({
      endpoint: 'getInvoice',
      method: 'GET',
      path: `/invoices/${this.seg('getInvoice', ref)}`,
      parse: (b) => parseInvoice(unwrapObject(b), 'invoice'),
    });
  }

  /** GET /invoices/{ref}/webhooks — webhook delivery history. */
  async getInvoiceWebhooks(ref: string): Promise<EccaexInvoiceWebhooksResponse> {
    return this.call({
      endpoint: 'getInvoiceWebhooks',
      method: 'GET',
      path: `/invoices/${this.seg('getInvoiceWebhooks', ref)}/webhooks`,
      parse: parseWebhookHistory,
    });
  }

  /** POST /invoices/{ref}/webhooks/resend. 409 → conflict (locked), 429 → rate_limited (cooldown). */
  async resendInvoiceWebhook(ref: string): Promise<EccaexResendWebhookResponse> {
    return this.call({
      endpoint: 'resendInvoiceWebhook',
      method: 'POST',
      path: `/invoices/${this.seg('resendInvoiceWebhook', ref)}/webhooks/resend`,
      parse: parseResend,
    });
  }

  /** GET /payment-methods[?currency=]. */
  async listPaymentMethods(currency?: string): Promise<EccaexPaymentMethod[]> {
    return this.call({
      endpoint: 'listPaymentMethods',
      method: 'GET',
      path: '/payment-methods',
      params: { currency: currency || undefined },
      parse: (b) => parseDataArray(b, parsePaymentMethod),
    });
  }

  /** GET /currencies. */
  async listCurrencies(): Promise<EccaexCurrency[]> {
    return this.call({
      endpoint: 'listCurrencies',
      method: 'GET',
      path: '/currencies',
      parse: (b) => parseDataArray(b, parseCurrency),
    });
  }

  /** GET /withdrawals (paginated). */
  async listWithdrawals(query: EccaexListWithdrawalsQuery = {}): Promise<EccaexWithdrawalListResponse> {
    return this.call({
      endpoint: 'listWithdrawals',
      method: 'GET',
      path: '/withdrawals',
      params: { page: query.page, per_page: query.per_page, status: query.status, order: query.order },
      parse: (b) => parseList(b, parseWithdrawal),
    });
  }

  /** GET /withdrawals/{uuid}. */
  async getWithdrawal(uuid: string): Promise<EccaexWithdrawal> {
    return this.call({
      endpoint: 'getWithdrawal',
      method: 'GET',
      path: `/withdrawals/${this.seg('getWithdrawal', uuid)}`,
      parse: (b) => parseWithdrawal(unwrapObject(b), 'withdrawal'),
    });
  }

  // ------------------------------------------------------ customer-side public endpoints

  /** GET /public/invoice/{orderId}/payment-methods (response shape [UNKNOWN], parsed leniently). */
  async publicPaymentMethods(orderId: string): Promise<EccaexPublicPaymentMethod[]> {
    return this.call({
      endpoint: 'publicPaymentMethods',
      method: 'GET',
      path: `/public/invoice/${this.seg('publicPaymentMethods', orderId)}/payment-methods`,
      parse: parsePublicMethods,
    });
  }

  /** POST /public/invoice/{orderId}/select-method — creates the deal. Never retried. */
  async publicSelectMethod(orderId: string, body: EccaexSelectMethodRequest): Promise<EccaexSelectMethodResponse> {
    return this.call({
      endpoint: 'publicSelectMethod',
      method: 'POST',
      path: `/public/invoice/${this.seg('publicSelectMethod', orderId)}/select-method`,
      body: { method_code: body.method_code },
      parse: (b) => unwrapObject(b) as EccaexSelectMethodResponse,
    });
  }

  /** POST /public/invoice/{orderId}/cancel. Never retried. An empty 2xx body is accepted. */
  async publicCancel(orderId: string): Promise<EccaexPublicCancelResponse> {
    return this.call({
      endpoint: 'publicCancel',
      method: 'POST',
      path: `/public/invoice/${this.seg('publicCancel', orderId)}/cancel`,
      parse: (b) => (b === undefined ? {} : (unwrapObject(b) as EccaexPublicCancelResponse)),
    });
  }
}
