import { DynamicModule, Module } from '@nestjs/common';
import type { Settings } from '../config/settings';
import { gatewaySlice } from '../gateways/gateway-plugin';
import { GatewaysModule } from '../gateways/gateways.module';
import { gatewayPlugins } from '../gateways/gateways.registry';
import { OrdersModule } from '../orders/orders.module';
import { CallbackIntakeService } from './callback-intake.service';
import { CallbackProcessor } from './callback-processor.service';
import { callbackControllerFor } from './callback.controller';
import { WebhookEventsController } from './webhook-events.controller';
import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookIntakeService } from './webhook-intake.service';

/** One callback route per gateway that is on (under /v1/webhooks/), one intake, one inbox, one processor. */
@Module({})
export class WebhooksModule {
  static forRoot(settings: Settings): DynamicModule {
    const on = gatewayPlugins().filter((p) => (gatewaySlice(settings, p.name)?.mode ?? 'off') !== 'off');
    return {
      module: WebhooksModule,
      imports: [OrdersModule, GatewaysModule],
      controllers: [...on.map(callbackControllerFor), WebhookEventsController],
      providers: [WebhookInboxRepository, WebhookIntakeService, CallbackIntakeService, CallbackProcessor],
    };
  }
}
