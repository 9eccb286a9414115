import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Decimal from 'decimal.js';
import { randomBytes } from 'node:crypto';
import { SETTINGS } from '../../config/settings.module';
import { Settings } from '../../config/settings';
import { Product, productBySku, TERMINAL } from './catalog';
import { ApiGateway, ApiMethod, defaultOption, GatewayGroup, GatewayOffer, orderCurrency, payOptions } from './payment-options';
import { shopCheckoutPage, shopErrorPage, shopIndexPage, ShopOrderView, shopStatusPage } from './shop.html';
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

const customerOf = (v: string | undefined) => (v ?? '').trim() || 'demo_customer';

const decimalText = (v: unknown): v is string => typeof v === 'string' && /^\d+(\.\d+)?$/.test(v);

/**
 * What the buyer paid, where the gateway reports it: the Order's `payment.amount_fiat` (docs/api.md
 * section 3.6: the order's amount plus the commission the buyer paid, in the order's currency);
 * else the coin amount received, in the coin, for a gateway that reports one.
 */
export function paidFigures(o: ApiOrder): { paid: string; currency: string; commission: string | null } | null {
  const p = o.payment;
  if (!p) return null;
  if (decimalText(p.amount_fiat)) {
    const extra = new Decimal(p.amount_fiat).minus(o.amount);
    return { paid: new Decimal(p.amount_fiat).toFixed(2), currency: o.currency, commission: extra.gt(0) ? extra.toFixed(2) : null };
  }
  if (decimalText(p.coin_received) && typeof p.coin === 'string') return { paid: p.coin_received, currency: p.coin, commission: null };
  return null;
}

/**
 * The demo checkout (sandbox mode only): a product page; a checkout page offering the ways to pay
 * that the service has on (it asks GET /v1/gateways, then GET /v1/payment-methods?provider=… for
 * each gateway, and names none itself); Buy
 * creates the order through the service's storefront API (POST /v1/orders, over HTTP, with a
 * storefront key kept on the server) and sends the browser to the payment link; success and fail
 * pages follow the order's status until it is final.
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

  @Get()
  index(@Res() reply: FastifyReply): void {
    ShopController.html(reply, 200, shopIndexPage('demo_customer'));
  }

  /** Each gateway that is on, with what it lists for the product (a gateway that cannot say right now is left out). */
  private async offers(req: FastifyRequest, product: Product): Promise<GatewayOffer[]> {
    const base = this.api.selfBaseUrl(req);
    const gateways = (await this.api.gateways<ApiGateway>(base)) ?? [];
    const offers = await Promise.all(
      gateways.map(async (gateway) => {
        const currency = gateway.checkout.methods_by_currency ? orderCurrency(product, gateway) : undefined;
        const methods = await this.api.paymentMethods<ApiMethod>(base, gateway.provider, currency);
        return methods === undefined ? null : { gateway, methods };
      }),
    );
    return offers.filter((o): o is GatewayOffer => o !== null);
  }

  /** What each gateway that is on offers for the product. */
  private async options(req: FastifyRequest, product: Product): Promise<{ groups: GatewayGroup[]; offers: GatewayOffer[] }> {
    const offers = await this.offers(req, product);
    return { groups: payOptions(product, offers), offers };
  }

  /** The product page's Buy: the ways to pay this product, as the service's gateways offer them. */
  @Get('checkout')
  async checkout(@Query('sku') sku: string | undefined, @Query('customer_id') customer: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const product = productBySku(sku);
    if (!product) {
      ShopController.html(reply, 400, shopErrorPage('Unknown product', 'That product is not in the shop. Pick one from the product page.'));
      return;
    }
    const { groups } = await this.options(req, product);
    ShopController.html(reply, 200, shopCheckoutPage(product, customerOf(customer), groups));
  }

  /** Form post from the checkout page: `sku`, `customer_id`, `pay` (a way to pay it offered; default the default gateway's first). */
  @Post('buy')
  async buy(@Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const product = productBySku(firstString(body, 'sku'));
    if (!product) {
      ShopController.html(reply, 400, shopErrorPage('Unknown product', 'That product is not in the shop. Pick one from the product page.'));
      return;
    }
    const customerId = customerOf(firstString(body, 'customer_id'));
    const pay = firstString(body, 'pay');
    const { groups, offers } = await this.options(req, product);
    const option = pay === undefined ? defaultOption(groups, offers) : groups.flatMap((g) => g.options).find((o) => o.value === pay);
    if (!option) {
      ShopController.html(reply, 400, shopErrorPage('That way to pay is not offered', 'The payment option you picked is not available for this product right now. Go back and pick another.'));
      return;
    }
    const orderNo = `shop-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const back = (page: 'success' | 'fail') => `${this.settings.publicBaseUrl}${BASE}/${page}?order=${encodeURIComponent(orderNo)}`;
    const r = await this.api.call<ApiOrder>(
      this.api.selfBaseUrl(req),
      'POST',
      '/v1/orders',
      {
        amount: option.amount,
        currency: option.currency,
        customer_id: customerId,
        external_id: orderNo,
        description: product.name,
        success_url: back('success'),
        fail_url: back('fail'),
        metadata: { source: SHOP_SOURCE, sku: product.sku },
        provider: option.provider,
        ...(option.method ? { payment_method: option.method } : {}),
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

  /** A method's name as its gateway lists it (the order carries the code only). */
  private async methodName(base: string, o: ApiOrder, gateway: ApiGateway | undefined): Promise<string | null> {
    const code = o.payment?.method_code;
    if (!code) return null;
    const list = await this.api.paymentMethods<ApiMethod>(base, o.provider, gateway?.checkout.methods_by_currency ? o.currency : undefined);
    return list?.find((m) => m.method_code === code)?.name ?? code;
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
    const figures = o.status === 'paid' ? paidFigures(o) : null;
    const base = this.api.selfBaseUrl(req);
    const gateway = (await this.api.gateways<ApiGateway>(base))?.find((g) => g.provider === o.provider);
    return {
      ok: true,
      status: 200,
      data: {
        order: o.external_id,
        status: o.status,
        terminal: TERMINAL.has(o.status),
        provider: o.provider,
        provider_label: gateway?.label ?? o.provider,
        amount: o.amount,
        currency: o.currency,
        description: o.description,
        paid_at: o.paid_at,
        method: o.payment?.method_code ?? null,
        method_name: await this.methodName(base, o, gateway),
        amount_paid: figures?.paid ?? null,
        paid_currency: figures?.currency ?? null,
        commission: figures?.commission ?? null,
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
