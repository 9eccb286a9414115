import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { ReconcilerService } from './reconciler.service';

@Module({ imports: [OrdersModule], providers: [ReconcilerService], exports: [ReconcilerService] })
export class ReconciliationModule {}
