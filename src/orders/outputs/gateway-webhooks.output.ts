import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The gateway's webhook history and resend (ops tools of gateways with capabilities.webhookHistory), for the OpenAPI document. */
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
  @ApiPropertyOptional({ nullable: true, type: String, example: 'https://payments.example/v1/webhooks/cryptosteroid' }) callback_url?: string | null;
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
