import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { NotificationOutbox } from './notification-outbox.service';
import { NotificationSender } from './notification-sender.service';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';

/** Outbound merchant notifications (docs/api.md section 8): outbox, signed delivery, ops routes. */
@Module({
  imports: [OrdersModule],
  controllers: [NotificationsController],
  providers: [NotificationsRepository, NotificationSender, NotificationOutbox],
  exports: [NotificationSender],
})
export class NotificationsModule {}
