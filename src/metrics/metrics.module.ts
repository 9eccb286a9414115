import { Global, Module } from '@nestjs/common';
import { GatewaysModule } from '../gateways/gateways.module';
import { GatewayMetricsBinder } from './gateway-metrics.binder';
import { HttpMetricsHook } from './http-metrics.hook';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** GET /metrics and the one MetricsService every module may inject. */
@Global()
@Module({
  imports: [GatewaysModule],
  controllers: [MetricsController],
  providers: [MetricsService, HttpMetricsHook, GatewayMetricsBinder],
  exports: [MetricsService],
})
export class MetricsModule {}
