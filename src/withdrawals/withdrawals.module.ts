import { Module } from '@nestjs/common';
import { GatewaysModule } from '../gateways/gateways.module';
import { WithdrawalsController } from './withdrawals.controller';
import { WithdrawalsRepository } from './withdrawals.repository';
import { WithdrawalsSyncService } from './withdrawals-sync.service';

/** The merchant's gateway withdrawals, mirrored (scheduled and on demand) and listed for ops. */
@Module({
  imports: [GatewaysModule],
  controllers: [WithdrawalsController],
  providers: [WithdrawalsRepository, WithdrawalsSyncService],
  exports: [WithdrawalsSyncService],
})
export class WithdrawalsModule {}
