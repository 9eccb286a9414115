import { Injectable, OnModuleInit } from '@nestjs/common';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import { MetricsService } from './metrics.service';

/** Feeds the gateway-call metrics from every registered gateway's per-attempt observer. */
@Injectable()
export class GatewayMetricsBinder implements OnModuleInit {
  constructor(
    private readonly gateways: GatewayRegistry,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    for (const gateway of this.gateways.all()) {
      const name = gateway.name;
      gateway.onCall = (e) => this.metrics.gatewayCall(name, e.endpoint, e.outcome, e.durationMs);
    }
  }
}
