import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AuthGuard } from './common/auth.guard';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { pinoHttpOptions } from './common/logging';
import { Settings } from './config/settings';
import { SettingsModule } from './config/settings.module';
import { DatabaseHandle, dataSourceOptions } from './database/database';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { MetricsModule } from './metrics/metrics.module';
import { OrdersModule } from './orders/orders.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { WithdrawalsModule } from './withdrawals/withdrawals.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OpsModule } from './ops/ops.module';
import { RetentionModule } from './retention/retention.module';
import { SandboxModule, sandboxed } from './sandbox/sandbox.module';

@Module({})
export class AppModule {
  static forRoot(settings: Settings, db: DatabaseHandle): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SettingsModule.forRoot(settings),
        // The root logger and Nest's `Logger` on it; no route gets nestjs-pino's middleware (the
        // adapter runs no Nest middleware: app.factory.ts registers the request log as Fastify hooks).
        LoggerModule.forRoot({ pinoHttp: pinoHttpOptions(settings), forRoutes: [] }),
        TypeOrmModule.forRoot(dataSourceOptions(db)),
        MetricsModule,
        HealthModule,
        JobsModule,
        OrdersModule,
        WebhooksModule.forRoot(settings),
        NotificationsModule,
        WithdrawalsModule,
        ReconciliationModule,
        OpsModule,
        RetentionModule,
        // Each gateway's emulator, mounted by its own mode (and the demo shop with any of them).
        ...(sandboxed(settings).length ? [SandboxModule.forRoot(settings)] : []),
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
    };
  }
}
