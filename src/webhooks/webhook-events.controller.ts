import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { Auth } from '../common/auth.guard';
import { decodeCursor, encodeCursor, parseLimit } from '../common/paging';
import { isUuid } from '../common/ids';
import { CallbackProcessor } from './callback-processor.service';
import { InboxRow, WebhookInboxRepository } from './webhook-inbox.repository';

const STATUSES = ['received', 'processed', 'failed', 'unmatched', 'conflict'];

export class WebhookEventOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'cryptosteroid' }) provider: string;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiProperty() idempotency_key: string;
  @ApiProperty({ nullable: true }) order_id: string | null;
  @ApiProperty({ nullable: true }) gateway_order_id: string | null;
  @ApiProperty({ nullable: true }) external_id: string | null;
  @ApiProperty({ description: 'the body as received: parsed JSON, or the raw text' }) payload: unknown;
  @ApiProperty() payload_hash: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers: Record<string, string>;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true }) last_error: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) outcome: Record<string, unknown> | null;
  @ApiProperty({ nullable: true }) conflict_of: string | null;
  @ApiProperty({ format: 'date-time' }) received_at: string;
  @ApiProperty({ nullable: true, format: 'date-time' }) processed_at: string | null;
}

export class WebhookEventListOutput {
  @ApiProperty({ type: [WebhookEventOutput] }) data: WebhookEventOutput[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export function toWebhookEventOutput(r: InboxRow): WebhookEventOutput {
  const text = r.raw_body.toString('utf8');
  let payload: unknown = text;
  try {
    payload = JSON.parse(text);
  } catch {
    /* kept as text */
  }
  return {
    id: r.id,
    provider: r.provider,
    status: r.status,
    idempotency_key: r.idempotency_key,
    order_id: r.order_id,
    gateway_order_id: r.gateway_order_id,
    external_id: r.external_id,
    payload,
    payload_hash: r.payload_hash,
    headers: r.headers,
    attempts: r.attempts,
    last_error: r.last_error,
    outcome: r.outcome,
    conflict_of: r.conflict_of,
    received_at: r.received_at.toISOString(),
    processed_at: r.processed_at ? r.processed_at.toISOString() : null,
  };
}

@ApiTags('ops')
@ApiBearerAuth()
@Auth('ops')
@Controller('v1/webhook-events')
export class WebhookEventsController {
  constructor(
    private readonly inbox: WebhookInboxRepository,
    private readonly processor: CallbackProcessor,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Stored gateway callbacks, newest first' })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'order_id', required: false, description: "only this order's callbacks (uuid): those applied to it, and the conflicting copies of them (status conflict)" })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50', example: 50 })
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @ApiOkResponse({ type: WebhookEventListOutput })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED (status, order_id, limit or cursor)' })
  async list(
    @Query('status') status?: string,
    @Query('order_id') orderId?: string,
    @Query('limit') limitRaw?: string,
    @Query('cursor') cursorRaw?: string,
  ): Promise<{ data: WebhookEventOutput[]; next_cursor: string | null }> {
    if (status && !STATUSES.includes(status)) throw ApiError.validation({ status: [`must be one of ${STATUSES.join(', ')}`] });
    if (orderId && !isUuid(orderId)) throw ApiError.validation({ order_id: ['must be an order id (uuid)'] });
    const limit = parseLimit(limitRaw);
    const rows = await this.inbox.list({ status: status || undefined, order_id: orderId || undefined, limit: limit + 1, cursor: decodeCursor(cursorRaw) });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(toWebhookEventOutput), next_cursor: rows.length > limit && last ? encodeCursor(last.received_at, last.id) : null };
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Process a stored callback again (still exactly once on the order)' })
  @ApiParam({ name: 'id', description: 'the stored callback id (uuid)' })
  @ApiOkResponse({ type: WebhookEventOutput, description: 'the stored callback after processing (status and outcome say what happened)' })
  @ApiResponse({ status: 404, description: 'WEBHOOK_EVENT_NOT_FOUND' })
  async replay(@Param('id') id: string): Promise<WebhookEventOutput> {
    if (!isUuid(id)) throw ApiError.notFound('WEBHOOK_EVENT_NOT_FOUND', 'Webhook event');
    const row = await this.inbox.get(id);
    if (!row) throw ApiError.notFound('WEBHOOK_EVENT_NOT_FOUND', 'Webhook event');
    await this.processor.process(row).catch((err: Error) => this.inbox.finish(id, 'failed', { error: err.message }));
    return toWebhookEventOutput((await this.inbox.get(id))!);
  }
}
