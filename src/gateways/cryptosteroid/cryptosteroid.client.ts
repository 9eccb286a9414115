import type { Dispatcher } from 'undici';
import { GatewayError } from '../gateway.errors';
import type { GatewayCallEvent } from '../gateway.port';
import { GatewayHttp, GatewayHttpOptions } from '../http/gateway-http';
import { isObj, ShapeError } from '../http/json-shape';
import type { CryptosteroidSettings } from './cryptosteroid.config';
import { CsCancelRead, CsInvoiceRead, CsShapeError, readCsCancel, readCsInvoice } from './cryptosteroid.mapping';
import type { CsCreateInvoiceRequest, CsPaymentMethod } from './cryptosteroid.types';

export const CS_GATEWAY = 'cryptosteroid';

/** The provider's error format is UNKNOWN: a code and a message where a common envelope has them, for the error text only. */
function errorOf(body: Record<string, unknown>): { code?: string; message?: string } {
  const inner = isObj(body.error) ? body.error : body;
  const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v.slice(0, 200) : undefined);
  return { code: s(inner.code) ?? s(body.code), message: s(inner.message) ?? s(body.message) ?? s(body.error) };
}

/** The tolerant readers' CsShapeError as the shared layer's ShapeError: a 'rejected' GatewayError that moves nothing. */
const shaped =
  <T>(read: (body: unknown) => T) =>
  (body: unknown): T => {
    try {
      return read(body);
    } catch (err) {
      if (err instanceof CsShapeError) throw new ShapeError(err.message);
      throw err;
    }
  };

/** A GatewayError without `secret` anywhere in its text (a provider's refusal may echo what it was sent). */
function scrubbed(err: unknown, secret: string): unknown {
  if (!(err instanceof GatewayError) || secret.length < 4) return err;
  const clean = (s: string) => s.split(secret).join('[redacted]');
  const text = JSON.stringify(err.info);
  if (!err.message.includes(secret) && !text.includes(secret)) return err;
  return new GatewayError(err.kind, clean(err.message), JSON.parse(clean(text)) as GatewayError['info']);
}

/**
 * The CryptoSteroid merchant invoice API, one method per endpoint, on the shared gateway HTTP
 * layer (`X-Api-Key` on each call; a deadline per attempt; only the GET is retried). Answers are
 * read by the tolerant readers of cryptosteroid.mapping.ts: a shape they cannot read safely is a
 * GatewayError ('rejected'), never a guess.
 */
export class CryptosteroidClient {
  private readonly http: GatewayHttp;

  /**
   * `settings` is read on every call (tests may swap values); the base URL once. `dispatcher`: the
   * undici Dispatcher to send through (tests may give one); the client's own keep-alive pool otherwise.
   */
  constructor(
    private readonly settings: () => Pick<CryptosteroidSettings, 'baseUrl' | 'apiKey' | 'merchantId' | 'timeoutMs'>,
    options?: GatewayHttpOptions,
    dispatcher?: Dispatcher,
  ) {
    this.http = new GatewayHttp(
      dispatcher,
      {
        gateway: CS_GATEWAY,
        label: 'CryptoSteroid',
        baseUrl: settings().baseUrl,
        timeoutMs: () => this.settings().timeoutMs,
        headers: () => ({ 'X-Api-Key': this.settings().apiKey }),
        requestIdOf: (_body, header) => header('x-request-id'),
        errorOf,
      },
      { maxResponseBytes: 1024 * 1024, ...options },
      'CryptosteroidClient',
    );
  }

  /** Closes the client's own pool (a given dispatcher is its owner's). */
  close(): Promise<void> {
    return this.http.close();
  }

  get onCall(): ((e: GatewayCallEvent) => void) | undefined {
    return this.http.onCall;
  }

  set onCall(observer: ((e: GatewayCallEvent) => void) | undefined) {
    this.http.onCall = observer;
  }

  private invoices(endpoint: string): string {
    return `/merchants/${this.http.seg(endpoint, this.settings().merchantId)}/invoices`;
  }

  private invoice(endpoint: string, id: string): string {
    return `${this.invoices(endpoint)}/${this.http.seg(endpoint, id)}`;
  }

  /** `POST /merchants/{merchant}/invoices`. Never retried: on an unclear answer the invoice may exist. */
  async createInvoice(body: CsCreateInvoiceRequest): Promise<CsInvoiceRead> {
    try {
      return await this.http.call({ endpoint: 'create-invoice', method: 'POST', path: this.invoices('create-invoice'), body, parse: shaped(readCsInvoice) });
    } catch (err) {
      throw scrubbed(err, body.secret ?? '');
    }
  }

  /** `GET /merchants/{merchant}/invoices/{id}` (INFERRED at the provider). 404 is GatewayError not_found. */
  getInvoice(invoiceId: string): Promise<CsInvoiceRead> {
    return this.http.call({ endpoint: 'get-invoice', method: 'GET', path: this.invoice('get-invoice', invoiceId), parse: shaped(readCsInvoice) });
  }

  /** `PATCH /merchants/{merchant}/invoices/{id}` `{ paymentMethod }`: a NEW invoice only. The key is sent although the docs say none is needed. */
  setPaymentMethod(invoiceId: string, paymentMethod: CsPaymentMethod): Promise<CsInvoiceRead> {
    return this.http.call({ endpoint: 'update-invoice', method: 'PATCH', path: this.invoice('update-invoice', invoiceId), body: { paymentMethod }, parse: shaped(readCsInvoice) });
  }

  /** `DELETE /merchants/{merchant}/invoices/{id}`. */
  cancelInvoice(invoiceId: string): Promise<CsCancelRead> {
    return this.http.call({ endpoint: 'cancel-invoice', method: 'DELETE', path: this.invoice('cancel-invoice', invoiceId), parse: shaped(readCsCancel) });
  }
}
