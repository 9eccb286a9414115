import type { CryptosteroidSettings } from './cryptosteroid.config';
import { CsCallEvent, CsHttp, CsHttpOptions } from './cryptosteroid.http';
import { CsCancelRead, CsInvoiceRead, readCsCancel, readCsInvoice } from './cryptosteroid.mapping';
import type { CsCreateInvoiceRequest, CsPaymentMethod } from './cryptosteroid.types';

/**
 * The CryptoSteroid merchant invoice API, one method per endpoint (`X-Api-Key` on each). Answers
 * are read by the tolerant readers of cryptosteroid.mapping.ts: a shape they cannot read safely is
 * a GatewayError ('rejected'), never a guess. Only the GET is retried.
 */
export class CryptosteroidClient {
  private readonly http: CsHttp;

  /** `settings` is read on every call (tests may swap values); the base URL once. */
  constructor(
    private readonly settings: () => Pick<CryptosteroidSettings, 'baseUrl' | 'apiKey' | 'merchantId' | 'timeoutMs'>,
    options?: CsHttpOptions,
  ) {
    this.http = new CsHttp({ baseUrl: settings().baseUrl, apiKey: () => this.settings().apiKey, timeoutMs: () => this.settings().timeoutMs }, options);
  }

  get onCall(): ((e: CsCallEvent) => void) | undefined {
    return this.http.onCall;
  }

  set onCall(observer: ((e: CsCallEvent) => void) | undefined) {
    this.http.onCall = observer;
  }

  private invoices(endpoint: string): string {
    return `/merchants/${this.http.seg(endpoint, this.settings().merchantId)}/invoices`;
  }

  private invoice(endpoint: string, id: string): string {
    return `${this.invoices(endpoint)}/${this.http.seg(endpoint, id)}`;
  }

  /** `POST /merchants/{merchant}/invoices`. Never retried: on an unclear answer the invoice may exist. */
  createInvoice(body: CsCreateInvoiceRequest): Promise<CsInvoiceRead> {
    return this.http.call({
      endpoint: 'create-invoice',
      method: 'POST',
      path: this.invoices('create-invoice'),
      body,
      parse: readCsInvoice,
      redact: body.secret ? [body.secret] : [],
    });
  }

  /** `GET /merchants/{merchant}/invoices/{id}` (INFERRED at the provider). 404 is GatewayError not_found. */
  getInvoice(invoiceId: string): Promise<CsInvoiceRead> {
    return this.http.call({ endpoint: 'get-invoice', method: 'GET', path: this.invoice('get-invoice', invoiceId), parse: readCsInvoice });
  }

  /** `PATCH /merchants/{merchant}/invoices/{id}` `{ paymentMethod }`: a NEW invoice only. The key is sent although the docs say none is needed. */
  setPaymentMethod(invoiceId: string, paymentMethod: CsPaymentMethod): Promise<CsInvoiceRead> {
    return this.http.call({
      endpoint: 'update-invoice',
      method: 'PATCH',
      path: this.invoice('update-invoice', invoiceId),
      body: { paymentMethod },
      parse: readCsInvoice,
    });
  }

  /** `DELETE /merchants/{merchant}/invoices/{id}`. */
  cancelInvoice(invoiceId: string): Promise<CsCancelRead> {
    return this.http.call({ endpoint: 'cancel-invoice', method: 'DELETE', path: this.invoice('cancel-invoice', invoiceId), parse: readCsCancel });
  }
}
