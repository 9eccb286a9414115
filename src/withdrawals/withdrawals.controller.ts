import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { Auth } from '../common/auth.guard';
import { GatewayError } from '../gateways/gateway.errors';
import { gatewayApiError } from '../gateways/gateway-api-errors';
import { parseLimit } from '../common/paging';
import { isUuid } from '../common/ids';
import { statusesMatching } from './withdrawal.mapping';
import { toWithdrawalOutput, WithdrawalListOutput, WithdrawalOutput, WithdrawalSyncOutput } from './withdrawal.output';
import { ListCursor, WithdrawalsRepository } from './withdrawals.repository';
import { SyncResult, WithdrawalsSyncService } from './withdrawals-sync.service';

const STATUS_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const CURSOR_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Cursor = base64url JSON [sort key with microseconds, id]: exact, so paging skips nothing. */
export function encodeWithdrawalCursor(c: ListCursor): string {
  return Buffer.from(JSON.stringify([c.t, c.id])).toString('base64url');
}

export function decodeWithdrawalCursor(v: string | undefined): ListCursor | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(v, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) throw new Error('bad');
    const [t, id] = parsed as unknown[];
    if (typeof t !== 'string' || !CURSOR_TIME_RE.test(t) || Number.isNaN(Date.parse(t)) || typeof id !== 'string' || !isUuid(id)) throw new Error('bad');
    return { t, id };
  } catch {
    throw ApiError.validation({ cursor: ['is not a cursor this service issued'] });
  }
}

@ApiTags('ops')
@ApiBearerAuth()
@Auth('ops')
@Controller('v1/withdrawals')
export class WithdrawalsController {
  constructor(
    private readonly repo: WithdrawalsRepository,
    private readonly syncer: WithdrawalsSyncService,
  ) {}

  @Get()
  @ApiOperation({ summary: "The merchant's withdrawals mirrored from the gateway, newest first (by the gateway's created_at, then id)" })
  @ApiQuery({
    name: 'status',
    required: false,
    description: "the gateway's status, verbatim (pending, success, completed, failed, cancelled, …); `success` also matches `completed`",
  })
  @ApiQuery({ name: 'limit', required: false, description: '1–200, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @ApiOkResponse({ type: WithdrawalListOutput })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED' })
  async list(@Query('status') status?: string, @Query('limit') limitRaw?: string, @Query('cursor') cursorRaw?: string): Promise<WithdrawalListOutput> {
    if (status !== undefined && status !== '' && !STATUS_RE.test(status)) {
      throw ApiError.validation({ status: ['must be a gateway withdrawal status such as pending, success, completed, failed or cancelled'] });
    }
    const limit = parseLimit(limitRaw);
    const rows = await this.repo.list({ statuses: status ? statusesMatching(status) : undefined, limit: limit + 1, cursor: decodeWithdrawalCursor(cursorRaw) });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map(toWithdrawalOutput),
      next_cursor: rows.length > limit && last ? encodeWithdrawalCursor({ t: last.sort_key, id: last.id }) : null,
    };
  }

  @Post('sync')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mirror the withdrawals from the gateway now (every page); idempotent' })
  @ApiOkResponse({ type: WithdrawalSyncOutput })
  @ApiResponse({ status: 502, description: 'GATEWAY_ERROR' })
  @ApiResponse({ status: 503, description: 'GATEWAY_UNAVAILABLE (unreachable, timed out, or rate-limited past what a sync waits)' })
  async sync(): Promise<SyncResult> {
    try {
      return await this.syncer.sync('ops');
    } catch (err) {
      // Gateway trouble → 502/503 as for orders; anything else (database) stays a 500.
      throw err instanceof GatewayError ? gatewayApiError(err) : err;
    }
  }

  @Get(':id')
  @ApiOperation({ summary: "One mirrored withdrawal, by this service's id or the gateway's withdraw_uuid" })
  @ApiOkResponse({ type: WithdrawalOutput })
  @ApiResponse({ status: 404, description: 'WITHDRAWAL_NOT_FOUND' })
  async get(@Param('id') id: string): Promise<WithdrawalOutput> {
    const row = id.length <= 128 ? await this.repo.get(id) : null;
    if (!row) throw ApiError.notFound('WITHDRAWAL_NOT_FOUND', 'Withdrawal');
    return toWithdrawalOutput(row);
  }
}
