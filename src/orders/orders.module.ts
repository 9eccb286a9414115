import { Module } from '@nestjs/common';
import { GatewaysModule } from '../gateways/gateways.module';
import { CustomerPageController } from './customer-page.controller';
import { CatalogueController } from './catalogue.controller';
import { GatewaysController } from './gateways.controller';
import { CatalogueService } from './catalogue.service';
import { GatewayWebhooksController } from './gateway-webhooks.controller';
import { IdempotencyService } from './idempotency.service';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

@Module({
  imports: [GatewaysModule],
  controllers: [OrdersController, CatalogueController, GatewaysController, GatewayWebhooksController, CustomerPageController],
  providers: [OrdersRepository, OrdersService, CatalogueService, IdempotencyService],
  exports: [OrdersRepository, OrdersService],
})
export class OrdersModule {}
