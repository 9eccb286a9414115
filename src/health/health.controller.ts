import { Controller, Get, Injectable } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HealthLiveOutput } from './outputs/health.output';

/** Flipped first on shutdown, so load balancers stop sending work before the server closes. */
@Injectable()
export class Lifecycle {
  shuttingDown = false;
}

@ApiTags('service')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycle: Lifecycle,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ type: HealthLiveOutput })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Database reachable, migrations applied, not shutting down' })
  @ApiResponse({ status: 503, description: 'SERVICE_UNAVAILABLE: not ready (database unreachable, migrations pending, or shutting down)' })
  ready() {
    return this.health.check([
      () => {
        const i = this.indicators.check('lifecycle');
        return this.lifecycle.shuttingDown ? i.down({ shutting_down: true }) : i.up();
      },
      () => this.db.pingCheck('database', { timeout: 2000 }),
      async () => {
        const i = this.indicators.check('migrations');
        try {
          const pending = await this.ds.showMigrations();
          return pending ? i.down({ pending: true }) : i.up();
        } catch (err) {
          return i.down({ error: (err as Error).message.slice(0, 200) });
        }
      },
    ]);
  }
}
