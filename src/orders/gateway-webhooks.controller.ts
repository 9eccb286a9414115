import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { Auth } from '../common/auth.guard';
import { gatewayPassthroughError } from '../gateways/gateway-api-errors';
import type { InvoiceRef, PaymentGateway } from '../gateways/gateway.port';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import { OrdersService } from './orders.service';
import { GatewayWebhookHistoryOutput, GatewayWebhookResendOutput } from './outputs/gateway-webhooks.output';

/** The gateway's own webhook history and manual resend, for the order's invoice (ops; gateways with capabilities.webhookHistory). */
@ApiTags('ops')
@ApiBearerAuth()
@Auth('ops')
@ApiParam({ name: 'ref', description: 'the order id (uuid) or its external_id', example: 'order-2026-0001' })
@ApiResponse({ status: 400, description: 'NOT_SUPPORTED (the order is on a gateway without webhook history)' })
@ApiResponse({ status: 404, description: 'ORDER_NOT_FOUND, or GATEWAY_NOT_FOUND (the gateway has no such invoice)' })
@ApiResponse({ status: 502, description: 'GATEWAY_ERROR' })
@ApiResponse({ status: 503, description: 'GATEWAY_UNAVAILABLE' })
@Controller('v1/orders/:ref/gateway-webhooks')
export class GatewayWebhooksController {
  constructor(
    private readonly orders: OrdersService,
    private readonly gateways: GatewayRegistry,
  ) {}

  private async invoiceRef(ref: string): Promise<{ gateway: PaymentGateway; invoice: InvoiceRef }> {
    const order = await this.orders.get(ref);
    const gateway = this.gateways.find(order.provider);
    if (!gateway?.capabilities.webhookHistory || !gateway.webhookHistory || !gateway.resendWebhook) {
      throw new ApiError(400, 'NOT_SUPPORTED', `The ${order.provider} gateway has no webhook history.`);
    }
    return { gateway, invoice: { invoiceId: order.gateway_invoice_id, externalId: order.external_id, orderId: order.id } };
  }

  @Get()
  @ApiOperation({ summary: "The gateway's webhook history for the order's invoice" })
  @ApiOkResponse({ type: GatewayWebhookHistoryOutput })
  async history(@Param('ref') ref: string): Promise<unknown> {
    const { gateway, invoice } = await this.invoiceRef(ref);
    try {
      return await gateway.webhookHistory!(invoice);
    } catch (err) {
      throw gatewayPassthroughError(err);
    }
  }

  @Post('resend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ask the gateway to resend its latest webhook for the invoice' })
  @ApiOkResponse({ type: GatewayWebhookResendOutput })
  @ApiResponse({ status: 409, description: 'WEBHOOK_RESEND_CONFLICT (the gateway is delivering it right now)' })
  @ApiResponse({ status: 429, description: 'WEBHOOK_RESEND_COOLDOWN, with details.retry_after_sec and a Retry-After header' })
  async resend(@Param('ref') ref: string): Promise<unknown> {
    const { gateway, invoice } = await this.invoiceRef(ref);
    try {
      return await gateway.resendWebhook!(invoice);
    } catch (err) {
      throw gatewayPassthroughError(err);
    }
  }
}
