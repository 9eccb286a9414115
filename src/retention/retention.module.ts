import { Module } from '@nestjs/common';
import { RetentionService } from './retention.service';

/** Deletes settled rows past RETENTION_DAYS on an hourly schedule. */
@Module({ providers: [RetentionService], exports: [RetentionService] })
export class RetentionModule {}
