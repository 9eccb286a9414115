import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OrderEventOutput } from '../orders/outputs/order.output';

/*
 * Response shapes, for the OpenAPI document, of routes that return plain objects (catalogue,
 * gateway tools, callbacks, health). They describe what the handlers return; nothing builds them.
 */

export class CurrencyOutput {
  @ApiProperty({ example: 'UAH' }) currency: string;
  @ApiProperty({ example: 2, description: 'decimal places' }) decimal: number;
  @ApiProperty({ nullable: true, type: String, example: '₴' }) symbol: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Ukrainian hryvnia' }) name: string | null;
  @ApiProperty({ nullable: true, type: String, example: '41.50', description: 'units of this currency per 1 USDT, as the gateway gives it' }) rate: string | null;
}

export class CurrencyListOutput {
  @ApiProperty({ type: [CurrencyOutput] }) data: CurrencyOutput[];
}

export class PaymentMethodCurrencyOutput {
  @ApiProperty({ example: 'UAH' }) code: string;
  @ApiProperty({ nullable: true, type: String, example: 'Ukrainian hryvnia' }) name: string | null;
  @ApiProperty({ nullable: true, type: String, example: '₴' }) symbol: string | null;
}

export class PaymentMethodOutput {
  @ApiProperty({ example: 'Visa / Mastercard' }) name: string;
  @ApiProperty({ example: 'visamaster.uah' }) method_code: string;
  @ApiProperty({ nullable: true, type: String, example: '100.00' }) min_sum: string | null;
  @ApiProperty({ nullable: true, type: String, example: '50000.00' }) max_sum: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'https://cdn.example/visa.svg' }) logo_url: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 15, description: 'minutes' }) payment_time: number | null;
  @ApiProperty({ nullable: true, type: PaymentMethodCurrencyOutput }) currency: PaymentMethodCurrencyOutput | null;
  @ApiProperty({ nullable: true, type: String, example: '3.5' }) max_commission: string | null;
  @ApiProperty({ nullable: true, type: String, example: '0' }) client_commission: string | null;
  @ApiProperty({ nullable: true, type: String, example: '3.5' }) merchant_commission: string | null;
}

export class PaymentMethodListOutput {
  @ApiProperty({ type: [PaymentMethodOutput] }) data: PaymentMethodOutput[];
}

export class OrderEventListOutput {
  @ApiProperty({ type: [OrderEventOutput], description: 'oldest first' }) data: OrderEventOutput[];
}

export class CallbackReceivedOutput {
  @ApiProperty({ example: true, description: 'always true: the callback is durably stored' }) received: boolean;
  @ApiProperty({ example: false, description: 'true when this X-Idempotency-Key was already stored; it is not applied again' }) duplicate: boolean;
}

export class GatewayWebhookAttemptOutput {
  @ApiProperty({ example: 1 }) try_number: number;
  @ApiProperty({ example: 'auto', description: '`auto` for the gateway worker, `manual` for resends' }) trigger: string;
  @ApiPropertyOptional({ example: 'success' }) attempt_status?: string;
  @ApiPropertyOptional({ nullable: true, type: Number, example: 200 }) http_status?: number | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '{"received":true,"duplicate":false}' }) response_body?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) error_message?: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number, example: 42 }) duration_ms?: number | null;
  @ApiPropertyOptional({ example: '2026-01-01T12:00:00Z' }) created_at?: string;
}

export class GatewayWebhookEventOutput {
  @ApiProperty({ example: 981, description: "the gateway's internal row id (not the payload's event_id)" }) event_id: number;
  @ApiProperty({ example: 'invoice.success' }) event_type: string;
  @ApiProperty({ example: 'delivered' }) status: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'https://payments.example/v1/webhooks/eccaex' }) callback_url?: string | null;
  @ApiPropertyOptional({ example: 1 }) total_attempts?: number;
  @ApiPropertyOptional({ nullable: true, type: String }) next_retry_at?: string | null;
  @ApiPropertyOptional({ example: '2026-01-01T12:00:00Z' }) created_at?: string;
  @ApiProperty({ type: [GatewayWebhookAttemptOutput] }) attempts: GatewayWebhookAttemptOutput[];
}

export class GatewayWebhookHistoryOutput {
  @ApiProperty({ example: '603120aa-4803-4958-8004-0ec8ef0e9148' }) invoice_id: string;
  @ApiPropertyOptional({ example: 'order-2026-0001' }) external_id?: string;
  @ApiProperty({ example: 1 }) events_count: number;
  @ApiProperty({ type: [GatewayWebhookEventOutput], description: 'newest first' }) events: GatewayWebhookEventOutput[];
}

export class GatewayWebhookResendResultOutput {
  @ApiProperty({ example: true, description: 'our callback route answered 2xx' }) ok: boolean;
  @ApiPropertyOptional({ nullable: true, type: Number, example: 200 }) http_status?: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number, example: 37 }) duration_ms?: number | null;
  @ApiPropertyOptional({ example: 4412 }) attempt_id?: number;
}

export class GatewayWebhookResendOutput {
  @ApiProperty({ example: '603120aa-4803-4958-8004-0ec8ef0e9148' }) invoice_id: string;
  @ApiProperty({ example: 981 }) event_id: number;
  @ApiProperty({ type: GatewayWebhookResendResultOutput }) resend: GatewayWebhookResendResultOutput;
}

export class HealthLiveOutput {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
}
