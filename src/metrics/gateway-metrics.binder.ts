import { Injectable, OnModuleInit } from '@nestjs/common';
import { ECCAEX_GATEWAY_NAME, EccaexClient } from '../gateways/eccaex/eccaex.client';
import { MetricsService } from './metrics.service';

/** Feeds the gateway-call metrics from the EccaEx client's per-attempt observer. */
@Injectable()
export class GatewayMetricsBinder implements OnModuleInit {
  constructor(
    private readonly eccaex: EccaexClient,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.eccaex.onCall = (e) => this.metrics.gatewayCall(ECCAEX_GATEWAY_NAME, e.endpoint, e.outcome, e.durationMs);
  }
}
