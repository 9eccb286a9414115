import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MetricsService } from './metrics.service';

const EXAMPLE = [
  '# HELP payments_callbacks_received_total Gateway callbacks that reached the callback route.',
  '# TYPE payments_callbacks_received_total counter',
  'payments_callbacks_received_total{gateway="smartwm"} 42',
  '# HELP http_request_duration_seconds HTTP requests by method, route pattern and status code.',
  '# TYPE http_request_duration_seconds histogram',
  'http_request_duration_seconds_bucket{le="0.05",method="POST",route="/v1/orders",status="201"} 17',
].join('\n');

/** Prometheus scrape endpoint: no auth (keep it off the public edge), not in the access log. */
@ApiTags('service')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'HTTP latency by route and status, callbacks received / verified / rejected / duplicate / unmatched, order transitions, ' +
      'gateway calls and latency, queue depth and job failures, reconciliation, notifications, and process metrics. No auth; ' +
      'no label ever carries a key, a secret or a raw URL.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4', schema: { type: 'string', example: EXAMPLE } })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const body = await this.metrics.scrape();
    void reply.type(this.metrics.contentType);
    return body;
  }
}
