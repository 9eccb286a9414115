import { Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { Auth } from '../common/auth.guard';
import { JsonBody } from '../common/validation';
import { ORDER_STATUSES, OrderStatus } from './domain/order-status';
import { ORDER_EXCEPTIONS } from './domain/exceptions';
import { CreateOrderInput } from './inputs/create-order.input';
import { gatewayPlugins } from '../gateways/gateways.registry';

/** Every registered gateway (on or off: an order of a gateway switched off since can still be listed). */
const PROVIDERS: readonly string[] = gatewayPlugins().map((p) => p.name);
import { ResolveExceptionInput } from './inputs/resolve-exception.input';
import { decodeCursor, encodeCursor, parseDate, parseLimit } from '../common/paging';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';
import { OrderEventListOutput } from './outputs/order-events.output';
import { OrderEventOutput, OrderListOutput, OrderOutput, toEventOutput, toOrderOutput } from './outputs/order.output';

const EXCEPTION_FILTERS: readonly string[] = ['open', 'resolved', ...ORDER_EXCEPTIONS];

@ApiTags('orders')
@ApiBearerAuth()
@Controller('v1/orders')
export class OrdersController {
  constructor(
    private readonly service: OrdersService,
    private readonly repo: OrdersRepository,
  ) {}

  @Post()
  @Auth('storefront')
  @ApiOperation({ summary: 'Create an order and its gateway invoice' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1-255 characters; kept at least 24 h, scoped to the API key' })
  @ApiResponse({
    status: 201,
    type: OrderOutput,
    description: 'awaiting_payment, with payment_link',
    headers: { 'Idempotent-Replayed': { description: '`true` when this is the stored first reply to the same Idempotency-Key and body, given again (absent otherwise)', schema: { type: 'string', enum: ['true'] } } },
  })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED (details.fields; an amount no payment method takes names `amount`, with details.limits: the currency, the lowest min and highest max, and each method\'s min_sum / max_sum)' })
  @ApiResponse({ status: 409, description: 'DUPLICATE_EXTERNAL_ID or IDEMPOTENCY_IN_PROGRESS' })
  @ApiResponse({ status: 422, description: 'IDEMPOTENCY_KEY_REUSED' })
  @ApiResponse({ status: 502, description: "GATEWAY_ERROR (details.order_id names the pending order; details.reason invoice_mismatch when the gateway's invoice is not this order's: other external_id, amount or currency)" })
  @ApiResponse({ status: 503, description: 'GATEWAY_UNAVAILABLE (details.order_id names the pending order)' })
  async create(
    @JsonBody() input: CreateOrderInput,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const result = await this.service.create(input, req.caller!, idempotencyKey);
    const replayed: Record<string, string> = result.replayed ? { 'idempotent-replayed': 'true' } : {};
    if (result.status >= 400) {
      const stored = result.body as { error: { code: string; message: string; details: Record<string, unknown> } };
      throw new ApiError(result.status, stored.error.code, stored.error.message, stored.error.details, replayed);
    }
    void reply.status(result.status).headers(replayed);
    return result.body;
  }

  @Get()
  @Auth('ops')
  @ApiOperation({ summary: 'List orders, newest first (ops)' })
  @ApiQuery({ name: 'status', required: false, enum: ORDER_STATUSES })
  @ApiQuery({ name: 'customer_id', required: false, example: 'user_12345' })
  @ApiQuery({ name: 'provider', required: false, enum: [...PROVIDERS], description: "the order's gateway" })
  @ApiQuery({
    name: 'q',
    required: false,
    description: 'one box for people: the order whose id, external_id or customer_id is exactly this (what the ops console searches with)',
    example: 'order-2026-0001',
  })
  @ApiQuery({
    name: 'exception',
    required: false,
    enum: EXCEPTION_FILTERS,
    description: '`open`: the review queue (an exception no person has resolved yet); `resolved`; or one kind, open or resolved',
  })
  @ApiQuery({ name: 'created_from', required: false, description: 'ISO-8601, inclusive', example: '2026-01-01T00:00:00Z' })
  @ApiQuery({ name: 'created_to', required: false, description: 'ISO-8601, exclusive', example: '2026-02-01T00:00:00Z' })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50', example: 50 })
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @ApiOkResponse({ type: OrderListOutput })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED (status, provider, exception, q, dates, limit or cursor)' })
  async list(
    @Query('status') status?: string,
    @Query('customer_id') customerId?: string,
    @Query('provider') provider?: string,
    @Query('q') search?: string,
    @Query('exception') exception?: string,
    @Query('created_from') createdFrom?: string,
    @Query('created_to') createdTo?: string,
    @Query('limit') limitRaw?: string,
    @Query('cursor') cursorRaw?: string,
  ): Promise<OrderListOutput> {
    if (status !== undefined && status !== '' && !ORDER_STATUSES.includes(status as OrderStatus)) {
      throw ApiError.validation({ status: [`must be one of ${ORDER_STATUSES.join(', ')}`] });
    }
    if (exception !== undefined && exception !== '' && !EXCEPTION_FILTERS.includes(exception)) {
      throw ApiError.validation({ exception: [`must be one of ${EXCEPTION_FILTERS.join(', ')}`] });
    }
    if (provider !== undefined && provider !== '' && !PROVIDERS.includes(provider)) {
      throw ApiError.validation({ provider: [`must be one of ${PROVIDERS.join(', ')}`] });
    }
    if (search !== undefined && search.length > 255) throw ApiError.validation({ q: ['must be at most 255 characters'] });
    const limit = parseLimit(limitRaw);
    const rows = await this.repo.list({
      status: status || undefined,
      customer_id: customerId || undefined,
      provider: provider || undefined,
      q: search?.trim() || undefined,
      exception: exception || undefined,
      created_from: parseDate('created_from', createdFrom),
      created_to: parseDate('created_to', createdTo),
      limit: limit + 1,
      cursor: decodeCursor(cursorRaw),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(toOrderOutput), next_cursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null };
  }

  @Get(':ref')
  @Auth('storefront')
  @ApiOperation({ summary: 'Read an order by id or external_id' })
  @ApiParam({ name: 'ref', description: 'the order id (uuid) or its external_id', example: 'order-2026-0001' })
  @ApiOkResponse({ type: OrderOutput })
  @ApiResponse({ status: 404, description: 'ORDER_NOT_FOUND' })
  async get(@Param('ref') ref: string): Promise<OrderOutput> {
    return toOrderOutput(await this.service.get(ref));
  }

  @Post(':ref/cancel')
  @HttpCode(200)
  @Auth('storefront')
  @ApiOperation({ summary: 'Cancel an unpaid order (at the gateway too, where it can)' })
  @ApiParam({ name: 'ref', description: 'the order id (uuid) or its external_id', example: 'order-2026-0001' })
  @ApiOkResponse({ type: OrderOutput })
  @ApiResponse({ status: 404, description: 'ORDER_NOT_FOUND' })
  @ApiResponse({ status: 409, description: 'ORDER_NOT_CANCELABLE: the order is final, or the gateway refused to cancel its invoice (details.reason gateway_refused: it may be being paid); the order is unchanged' })
  @ApiResponse({ status: 502, description: "GATEWAY_ERROR (details.reason invoice_mismatch: the gateway's invoice is not this order's); the order is unchanged" })
  @ApiResponse({ status: 503, description: 'GATEWAY_UNAVAILABLE: the gateway gave no clear answer; the order is unchanged (its invoice may still be paid)' })
  async cancel(@Param('ref') ref: string, @Req() req: FastifyRequest): Promise<OrderOutput> {
    return toOrderOutput(await this.service.cancel(ref, req.caller?.role === 'ops' ? 'ops' : 'api'));
  }

  @Get(':ref/events')
  @Auth('ops')
  @ApiOperation({ summary: "The order's timeline, oldest first (ops)" })
  @ApiParam({ name: 'ref', description: 'the order id (uuid) or its external_id', example: 'order-2026-0001' })
  @ApiOkResponse({ type: OrderEventListOutput })
  @ApiResponse({ status: 404, description: 'ORDER_NOT_FOUND' })
  async events(@Param('ref') ref: string): Promise<{ data: OrderEventOutput[] }> {
    const order = await this.service.get(ref);
    return { data: (await this.repo.events(order.id)).map(toEventOutput) };
  }

  @Post(':ref/exception/resolve')
  @HttpCode(200)
  @Auth('ops')
  @ApiOperation({ summary: "Resolve the order's open exception, with a note kept in its timeline (ops)" })
  @ApiParam({ name: 'ref', description: 'the order id (uuid) or its external_id', example: 'order-2026-0001' })
  @ApiOkResponse({ type: OrderOutput, description: 'the order, exception_resolved_at set' })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED (note: 1-1000 characters)' })
  @ApiResponse({ status: 404, description: 'ORDER_NOT_FOUND' })
  @ApiResponse({ status: 409, description: 'NO_OPEN_EXCEPTION' })
  async resolveException(@Param('ref') ref: string, @JsonBody() input: ResolveExceptionInput): Promise<OrderOutput> {
    return toOrderOutput(await this.service.resolveException(ref, input.note));
  }

  @Post(':ref/reconcile')
  @HttpCode(200)
  @Auth('ops')
  @ApiOperation({ summary: 'Read the invoice back from the gateway and apply it (ops)' })
  @ApiParam({ name: 'ref', description: 'the order id (uuid) or its external_id', example: 'order-2026-0001' })
  @ApiOkResponse({ type: OrderOutput })
  @ApiResponse({ status: 404, description: 'ORDER_NOT_FOUND' })
  @ApiResponse({ status: 502, description: 'GATEWAY_ERROR' })
  @ApiResponse({ status: 503, description: 'GATEWAY_UNAVAILABLE' })
  async reconcile(@Param('ref') ref: string): Promise<OrderOutput> {
    return toOrderOutput(await this.service.reconcile(ref, 'ops'));
  }
}
