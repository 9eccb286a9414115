import { Controller, Get, Logger, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { isUuid } from '../common/ids';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import { messagePage, selfSubmittingForm } from '../gateways/customer-page';
import { OrdersRepository } from './orders.repository';

const PAYABLE = new Set(['pending', 'awaiting_payment']);

/**
 * `GET /pay/{order_id}`: the customer's way to an order whose gateway hands back a form instead
 * of a link (SmartWM `pay_form`, and a link-less read-back). Asks the order's gateway how to pay
 * now: a redirect (303) or a page that submits the gateway's form itself. No API key: it is
 * the order's payment_link, opened by the customer's browser.
 */
@ApiExcludeController()
@Controller('pay')
export class CustomerPageController {
  private readonly log = new Logger('CustomerPage');

  constructor(
    private readonly orders: OrdersRepository,
    private readonly gateways: GatewayRegistry,
  ) {}

  @Get(':order_id')
  async show(@Param('order_id') orderId: string, @Res() reply: FastifyReply): Promise<void> {
    const html = (status: number, text: string) => void reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(text);
    const order = isUuid(orderId) ? await this.orders.findByRef(orderId.toLowerCase()) : null;
    const gateway = order ? this.gateways.find(order.provider) : undefined;
    if (!order || order.id !== orderId.toLowerCase() || !gateway?.paymentPage) return html(404, messagePage('Payment not found', 'Check the payment link you were given.'));
    if (!PAYABLE.has(order.status)) return html(409, messagePage('Nothing to pay', `This order is ${order.status.replace('_', ' ')}.`));
    let page;
    try {
      page = await gateway.paymentPage({ invoiceId: order.gateway_invoice_id, externalId: order.external_id, orderId: order.id });
    } catch (err) {
      this.log.warn(`payment page of order ${order.id}: ${(err as Error).message}`);
      return html(503, messagePage('Payment page unavailable', 'The payment provider could not be reached. Please try again in a minute.'));
    }
    if (!page) return html(409, messagePage('Nothing to pay', 'This payment can no longer be made.'));
    if (page.kind === 'redirect') return void reply.status(303).header('location', page.url).header('cache-control', 'no-store').send();
    html(200, selfSubmittingForm(page));
  }
}
