import { Module } from '@nestjs/common';
import { GatewaysModule } from '../gateways/gateways.module';
import { OrdersModule } from '../orders/orders.module';
import { CallbackProcessor } from './callback-processor.service';
import { EccaexWebhookController } from './eccaex-webhook.controller';
import { WebhookEventsController } from './webhook-events.controller';
import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookIntakeService } from './webhook-intake.service';
import { SignatureCaptureService } from './signature/signature-capture.service';

@Module({
  imports: [OrdersModule, GatewaysModule],
  controllers: [EccaexWebhookController, WebhookEventsController],
  providers: [WebhookInboxRepository, WebhookIntakeService, CallbackProcessor, SignatureCaptureService],
})
export class WebhooksModule {}
