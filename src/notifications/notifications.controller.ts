import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { Auth } from '../common/auth.guard';
import { decodeCursor, encodeCursor, parseLimit } from '../common/paging';
import { isUuid } from '../common/ids';
import { NOTIFICATION_STATUSES, NOTIFICATION_TYPES } from './notification-policy';
import { NotificationSender } from './notification-sender.service';
import { AttemptRow, NotificationRow, NotificationsRepository } from './notifications.repository';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export class NotificationOutput {
  @ApiProperty({ format: 'uuid', description: 'also the Standard Webhooks `webhook-id` header, the same on every attempt' }) id: string;
  @ApiProperty({ format: 'uuid' }) order_id: string;
  @ApiProperty({ format: 'uuid', description: 'the order timeline event that made this notification' }) event_id: string;
  @ApiProperty({ enum: NOTIFICATION_TYPES }) type: string;
  @ApiProperty({
    enum: NOTIFICATION_STATUSES,
    description: 'pending (waiting for its next attempt), delivering, delivered (a 2xx), failed (still failing after the 24 h retry window), abandoned (the receiver answered 410 Gone)',
  })
  status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: Number }) last_status_code: number | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty({ nullable: true, format: 'date-time', type: String, description: 'while delivering: when the attempt is taken over if it has not finished' })
  next_attempt_at: string | null;
  @ApiProperty({ nullable: true, format: 'date-time', type: String }) delivered_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the body sent: { type, timestamp, data: Order }' })
  payload: Record<string, unknown>;
}

export function toNotificationOutput(r: NotificationRow): NotificationOutput {
  return {
    id: r.id,
    order_id: r.order_id,
    event_id: r.event_id,
    type: r.type,
    status: r.status,
    attempts: r.attempts,
    last_status_code: r.last_status_code,
    last_error: r.last_error,
    next_attempt_at: iso(r.next_attempt_at),
    delivered_at: iso(r.delivered_at),
    created_at: iso(r.created_at)!,
    payload: JSON.parse(r.body) as Record<string, unknown>,
  };
}

export class NotificationListOutput {
  @ApiProperty({ type: [NotificationOutput] }) data: NotificationOutput[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class NotificationAttemptOutput {
  @ApiProperty() try_number: number;
  @ApiProperty({ nullable: true, type: Number, description: 'null when no HTTP reply came (timeout, refused...)' }) http_status: number | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty() duration_ms: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class NotificationAttemptListOutput {
  @ApiProperty({ type: [NotificationAttemptOutput] }) data: NotificationAttemptOutput[];
}

const toAttemptOutput = (a: AttemptRow): NotificationAttemptOutput => ({
  try_number: a.try_number,
  http_status: a.http_status,
  error: a.error,
  duration_ms: a.duration_ms,
  created_at: iso(a.created_at)!,
});

@ApiTags('ops')
@ApiBearerAuth()
@Auth('ops')
@Controller('v1/notifications')
export class NotificationsController {
  constructor(
    private readonly repo: NotificationsRepository,
    private readonly sender: NotificationSender,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Outbound merchant notifications, newest first' })
  @ApiQuery({ name: 'status', required: false, enum: NOTIFICATION_STATUSES })
  @ApiQuery({ name: 'order_id', required: false, description: 'only this order’s notifications' })
  @ApiQuery({ name: 'limit', required: false, description: '1–200, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @ApiOkResponse({ type: NotificationListOutput })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED' })
  async list(
    @Query('status') status?: string,
    @Query('order_id') orderId?: string,
    @Query('limit') limitRaw?: string,
    @Query('cursor') cursorRaw?: string,
  ): Promise<NotificationListOutput> {
    if (status && !(NOTIFICATION_STATUSES as readonly string[]).includes(status)) {
      throw ApiError.validation({ status: [`must be one of ${NOTIFICATION_STATUSES.join(', ')}`] });
    }
    if (orderId && !isUuid(orderId)) throw ApiError.validation({ order_id: ['must be an order id (uuid)'] });
    const limit = parseLimit(limitRaw);
    const rows = await this.repo.list({ status: status || undefined, order_id: orderId || undefined, limit: limit + 1, cursor: decodeCursor(cursorRaw) });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(toNotificationOutput), next_cursor: rows.length > limit && last ? encodeCursor(new Date(last.created_at), last.id) : null };
  }

  @Get(':id/attempts')
  @ApiOperation({ summary: 'Every delivery attempt of a notification, oldest first' })
  @ApiOkResponse({ type: NotificationAttemptListOutput })
  @ApiResponse({ status: 404, description: 'NOTIFICATION_NOT_FOUND' })
  async attempts(@Param('id') id: string): Promise<NotificationAttemptListOutput> {
    if (!isUuid(id) || !(await this.repo.get(id))) throw ApiError.notFound('NOTIFICATION_NOT_FOUND', 'Notification');
    return { data: (await this.repo.attempts(id)).map(toAttemptOutput) };
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-arm a failed, abandoned or pending notification for immediate delivery (a fresh retry schedule)' })
  @ApiOkResponse({ type: NotificationOutput })
  @ApiResponse({ status: 404, description: 'NOTIFICATION_NOT_FOUND' })
  @ApiResponse({ status: 409, description: 'NOTIFICATION_NOT_RETRYABLE (delivered, or an attempt is running) or NOTIFICATIONS_DISABLED (MERCHANT_WEBHOOK_URL unset)' })
  async retry(@Param('id') id: string): Promise<NotificationOutput> {
    if (!isUuid(id)) throw ApiError.notFound('NOTIFICATION_NOT_FOUND', 'Notification');
    return toNotificationOutput(await this.sender.retry(id));
  }
}
