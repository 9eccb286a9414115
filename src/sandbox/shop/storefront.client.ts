import { Inject, Injectable, Logger } from '@nestjs/common';
import axios from 'axios';
import type { FastifyRequest } from 'fastify';
import { SETTINGS } from '../../config/settings.module';
import { Settings } from '../../config/settings';
import { gatewaySlice } from '../../gateways/gateway-plugin';
import { gatewayPlugins } from '../../gateways/gateways.registry';

export interface ApiProblem {
  code: string;
  message: string;
  details: Record<string, unknown>;
  requestId: string | null;
}

export type ApiReply<T> = { ok: true; status: number; data: T } | { ok: false; status: number; problem: ApiProblem };

/** The fields of the service's Order the shop reads (docs/api.md section 3.6). */
export interface ApiOrder {
  id: string;
  external_id: string;
  provider: string;
  status: string;
  amount: string;
  currency: string;
  customer_id: string;
  description: string | null;
  metadata: Record<string, string>;
  payment_link: string | null;
  /** The contract's keys, plus each gateway's own figures (docs/api.md section 3.6: added, never renamed). */
  payment: ({ method_code: string | null; amount_fiat: string | null } & Record<string, unknown>) | null;
  paid_at: string | null;
  updated_at: string;
}

/**
 * The demo shop is a storefront like any other: it calls the service's own public API over HTTP
 * with a storefront key (the first of STOREFRONT_API_KEYS), server-side only. The key never
 * reaches the browser and is never logged.
 */

/** The longest deadline of a gateway call among the gateways of the service. */
const slowestGatewayMs = (settings: Settings): number => Math.max(0, ...gatewayPlugins().map((p) => gatewaySlice(settings, p.name)?.timeoutMs ?? 0));

@Injectable()
export class ShopStorefrontClient {
  private readonly log = new Logger('DemoShop');

  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  /**
   * This service's own address, as seen from itself: the local end of the socket the browser's
   * request came in on (whatever the port, interface or proxy in front).
   */
  selfBaseUrl(req: FastifyRequest): string {
    const socket = req.raw.socket;
    let host = (socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    if (host === '0.0.0.0' || host === '::' || host === '') host = '127.0.0.1';
    if (host.includes(':')) host = `[${host}]`;
    return `http://${host}:${socket.localPort ?? this.settings.port}`;
  }

  /** The gateways that are on, with how to offer each (GET /v1/gateways); undefined when the service cannot say right now. */
  async gateways<T>(base: string): Promise<T[] | undefined> {
    const r = await this.call<{ data: T[] }>(base, 'GET', '/v1/gateways');
    return r.ok && Array.isArray(r.data.data) ? r.data.data : undefined;
  }

  /**
   * What a gateway that is on offers (GET /v1/payment-methods?provider=…): its methods, or null
   * when it is on but publishes no list (400 NOT_SUPPORTED); undefined when the service says it is
   * not on (400 naming provider) or cannot say right now.
   */
  async paymentMethods<T>(base: string, provider: string, currency?: string): Promise<T[] | null | undefined> {
    const q = new URLSearchParams({ provider, ...(currency ? { currency } : {}) });
    const r = await this.call<{ data: T[] }>(base, 'GET', `/v1/payment-methods?${q.toString()}`);
    if (r.ok) return Array.isArray(r.data.data) ? r.data.data : undefined;
    return r.status === 400 && r.problem.code === 'NOT_SUPPORTED' ? null : undefined;
  }

  async call<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply<T>> {
    const key = this.settings.storefrontApiKeys[0];
    if (!key) {
      return { ok: false, status: 500, problem: { code: 'NO_STOREFRONT_KEY', message: 'STOREFRONT_API_KEYS is empty, so the demo shop cannot call the API.', details: {}, requestId: null } };
    }
    try {
      const r = await axios.request({
        baseURL: base,
        url: path,
        method,
        data: body,
        headers: { Authorization: `Bearer ${key}`, Accept: 'application/json', ...headers },
        timeout: Math.max(15_000, slowestGatewayMs(this.settings) * 3),
        validateStatus: () => true,
        proxy: false,
        responseType: 'json',
      });
      if (r.status >= 200 && r.status < 300) return { ok: true, status: r.status, data: r.data as T };
      const env = (r.data ?? {}) as { error?: { code?: unknown; message?: unknown; details?: unknown }; request_id?: unknown };
      return {
        ok: false,
        status: r.status,
        problem: {
          code: typeof env.error?.code === 'string' ? env.error.code : `HTTP_${r.status}`,
          message: typeof env.error?.message === 'string' ? env.error.message : 'The payments API answered with an error.',
          details: env.error?.details && typeof env.error.details === 'object' ? (env.error.details as Record<string, unknown>) : {},
          requestId: typeof env.request_id === 'string' ? env.request_id : null,
        },
      };
    } catch (err) {
      // Only the error code: axios errors carry the request config, headers (the key) included.
      const code = (err as { code?: unknown }).code;
      this.log.warn(`storefront call ${method} ${path} failed: ${typeof code === 'string' ? code : 'error'}`);
      return { ok: false, status: 503, problem: { code: 'API_UNREACHABLE', message: 'The payments API could not be reached.', details: {}, requestId: null } };
    }
  }
}
