import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OrderEntity, OrderEventEntity } from '../order.entity';
import { ORDER_EXCEPTIONS, OrderException } from '../domain/exceptions';
import { ORDER_STATUSES, OrderStatus } from '../domain/order-status';

export class PaymentOutput {
  @ApiProperty({ nullable: true, example: 'monobank' }) method_code: string | null;
  @ApiProperty({ nullable: true, example: '1537.50' }) amount_fiat: string | null;
  @ApiProperty({ nullable: true, example: '41.50' }) conversion_rate: string | null;
  @ApiProperty({ nullable: true, example: '35.42' }) merchant_usdt: string | null;
  @ApiProperty() adjusted: boolean;
}

export class OrderOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'order-2026-0001' }) external_id: string;
  @ApiProperty({ example: 'cryptosteroid' }) provider: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status: OrderStatus;
  @ApiProperty({ example: '1500.00' }) amount: string;
  @ApiProperty({ example: 'UAH' }) currency: string;
  @ApiProperty({ example: 'user_12345' }) customer_id: string;
  @ApiProperty({ nullable: true, example: 'Premium subscription' }) description: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata: Record<string, string>;
  @ApiProperty({ nullable: true }) payment_link: string | null;
  @ApiProperty({ nullable: true, example: 'visamaster.uah', description: "The payment method the order named (the gateway's method code), or null." }) payment_method: string | null;
  @ApiProperty({ nullable: true }) gateway_invoice_id: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) expires_at: string | null;
  @ApiPropertyOptional({ type: PaymentOutput, nullable: true }) payment: PaymentOutput | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) paid_at: string | null;
  @ApiProperty({
    nullable: true,
    enum: ORDER_EXCEPTIONS,
    description: 'Set when the gateway\'s confirmed figures need a person; kept after it is resolved (see exception_resolved_at).',
  })
  exception: OrderException | null;
  @ApiProperty({ nullable: true, format: 'date-time', description: 'When a person resolved the exception (POST /v1/orders/{ref}/exception/resolve); null while it is open.' })
  exception_resolved_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toOrderOutput(o: OrderEntity): OrderOutput {
  return {
    id: o.id,
    external_id: o.external_id,
    provider: o.provider,
    status: o.status,
    amount: o.amount,
    currency: o.currency,
    customer_id: o.customer_id,
    description: o.description,
    metadata: o.metadata ?? {},
    payment_link: o.payment_link,
    payment_method: o.payment_method ?? null,
    gateway_invoice_id: o.gateway_invoice_id,
    expires_at: iso(o.expires_at),
    // The contract's keys, then the gateway's own figures beside them (never renaming these).
    payment: o.payment
      ? {
          method_code: o.payment.method_code,
          amount_fiat: o.payment.amount_fiat,
          conversion_rate: o.payment.conversion_rate,
          merchant_usdt: o.payment.merchant_usdt,
          ...o.payment.extra,
          adjusted: o.payment.adjusted,
        }
      : null,
    paid_at: iso(o.paid_at),
    exception: o.exception ?? null,
    exception_resolved_at: iso(o.exception_resolved_at ?? null),
    created_at: o.created_at.toISOString(),
    updated_at: o.updated_at.toISOString(),
  };
}

export class OrderEventOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'order.status_changed' }) type: string;
  @ApiProperty({ nullable: true, enum: ORDER_STATUSES }) from_status: OrderStatus | null;
  @ApiProperty({ nullable: true, enum: ORDER_STATUSES }) to_status: OrderStatus | null;
  @ApiProperty({ enum: ['api', 'webhook', 'reconcile', 'ops'] }) source: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export function toEventOutput(e: OrderEventEntity): OrderEventOutput {
  return { id: e.id, type: e.type, from_status: e.from_status, to_status: e.to_status, source: e.source, data: e.data, created_at: e.created_at.toISOString() };
}

export class OrderListOutput {
  @ApiProperty({ type: [OrderOutput] }) data: OrderOutput[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
