import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { SETTINGS } from '../../config/settings.module';
import { Settings } from '../../config/settings';
import { gatewaySlice } from '../../gateways/gateway-plugin';
import { productBySku, productsOn, TERMINAL } from './catalog';
import { shopErrorPage, shopIndexPage, ShopOrderView, shopStatusPage } from './shop.html';
import { ApiOrder, ApiReply, ShopStorefrontClient } from './storefront.client';

/** Marks the shop's own orders: the status endpoint answers for these only. */
const SHOP_SOURCE = 'sandbox-shop';
const BASE = '/sandbox/shop';
const REF_RE = /^[A-Za-z0-9._:-]{1,128}$/;

function firstString(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const v = (body as Record<string, unknown>)[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : undefined;
}

/**
 * The demo checkout (sandbox mode only): a product page whose Buy button creates an order through
 * the service's storefront API (POST /v1/orders, over HTTP, with a storefront key kept on the
 * server) and sends the browser to the payment link; success and fail pages that follow the
 * order's status until it is final.
 */
@ApiExcludeController()
@Controller(BASE.slice(1))
export class ShopController {
  constructor(
    private readonly api: ShopStorefrontClient,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private static html(reply: FastifyReply, status: number, html: string): void {
    void reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  }

  /** The products on sale: those of a gateway that is off are not shown (their orders would be refused). */
  private products() {
    return productsOn((provider) => (gatewaySlice(this.settings, provider)?.mode ?? 'off') !== 'off');
  }

  @Get()
  index(@Res() reply: FastifyReply): void {
    ShopController.html(reply, 200, shopIndexPage('demo_customer', this.products()));
  }

  /** Form post from the product page: `sku`, `customer_id`. */
  @Post('buy')
  async buy(@Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const product = productBySku(firstString(body, 'sku'), this.products());
    if (!product) {
      ShopController.html(reply, 400, shopErrorPage('Unknown product', 'That product is not in the shop. Pick one from the product page.'));
      return;
    }
    const customerId = (firstString(body, 'customer_id') ?? '').trim() || 'demo_customer';
    const orderNo = `shop-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const back = (page: 'success' | 'fail') => `${this.settings.publicBaseUrl}${BASE}/${page}?order=${encodeURIComponent(orderNo)}`;
    const r = await this.api.call<ApiOrder>(
      this.api.selfBaseUrl(req),
      'POST',
      '/v1/orders',
      {
        amount: product.amount,
        currency: product.currency,
        customer_id: customerId,
        external_id: orderNo,
        description: product.name,
        success_url: back('success'),
        fail_url: back('fail'),
        metadata: { source: SHOP_SOURCE, sku: product.sku },
        ...(product.provider ? { provider: product.provider } : {}),
      },
      { 'Content-Type': 'application/json', 'Idempotency-Key': orderNo },
    );
    if (!r.ok) {
      const fields = r.problem.details.fields;
      const why = fields && typeof fields === 'object' ? ` (${Object.entries(fields as Record<string, unknown>).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`).join('; ')})` : '';
      ShopController.html(
        reply,
        r.status >= 500 ? 502 : 400,
        shopErrorPage('The order could not be placed', `${r.problem.message}${why}`, { code: r.problem.code, requestId: r.problem.requestId, orderId: r.problem.details.order_id }),
      );
      return;
    }
    if (!r.data.payment_link) {
      ShopController.html(reply, 502, shopErrorPage('No payment link', 'The order was saved but the gateway gave no payment link yet.', { orderId: r.data.external_id }));
      return;
    }
    void reply.status(303).header('location', r.data.payment_link).header('cache-control', 'no-store').send();
  }

  private async view(req: FastifyRequest, ref: string): Promise<ApiReply<ShopOrderView>> {
    if (!REF_RE.test(ref)) return { ok: false, status: 404, problem: { code: 'ORDER_NOT_FOUND', message: 'Order not found.', details: {}, requestId: null } };
    const r = await this.api.call<ApiOrder>(this.api.selfBaseUrl(req), 'GET', `/v1/orders/${encodeURIComponent(ref)}`);
    if (!r.ok) return r;
    const o = r.data;
    // The shop answers for its own orders only, and only by its own order number.
    if (o.metadata?.source !== SHOP_SOURCE || o.external_id !== ref) {
      return { ok: false, status: 404, problem: { code: 'ORDER_NOT_FOUND', message: 'Order not found.', details: {}, requestId: null } };
    }
    return {
      ok: true,
      status: 200,
      data: {
        order: o.external_id,
        status: o.status,
        terminal: TERMINAL.has(o.status),
        amount: o.amount,
        currency: o.currency,
        description: o.description,
        paid_at: o.paid_at,
        method: o.payment?.method_code ?? null,
        amount_paid: o.payment?.amount_fiat ?? null,
        payment_link: o.status === 'awaiting_payment' ? o.payment_link : null,
      },
    };
  }

  private async statusPage(kind: 'success' | 'fail', ref: string | undefined, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const order = typeof ref === 'string' && ref.trim() !== '' ? ref.trim() : undefined;
    if (!order) {
      ShopController.html(reply, 200, shopStatusPage(kind, undefined, null));
      return;
    }
    const r = await this.view(req, order);
    if (r.ok) ShopController.html(reply, 200, shopStatusPage(kind, order, r.data));
    else ShopController.html(reply, r.status === 404 ? 404 : 502, shopStatusPage(kind, order, null, r.problem.message));
  }

  @Get('success')
  success(@Query('order') ref: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.statusPage('success', ref, req, reply);
  }

  @Get('fail')
  fail(@Query('order') ref: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.statusPage('fail', ref, req, reply);
  }

  /** The status pages poll this (same origin, no key in the browser). */
  @Get('orders/:ref')
  async order(@Param('ref') ref: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const r = await this.view(req, ref);
    void reply.header('cache-control', 'no-store').type('application/json; charset=utf-8');
    if (r.ok) {
      void reply.status(200).send(r.data);
      return;
    }
    const status = r.status === 404 ? 404 : 502;
    void reply.status(status).send({ error: { code: r.problem.code, message: r.problem.message, details: {} }, request_id: String(req.id) });
  }
}
