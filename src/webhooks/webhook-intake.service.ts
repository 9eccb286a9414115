import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { JobsService } from '../jobs/jobs.service';
import { CALLBACK_QUEUE } from './callback-processor.service';
import { NewCallback, WebhookInboxRepository } from './webhook-inbox.repository';

/** Stores a verified callback and its processing job in one transaction: both or neither. */
@Injectable()
export class WebhookIntakeService {
  private readonly log = new Logger('WebhookIntake');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly inbox: WebhookInboxRepository,
    private readonly jobs: JobsService,
  ) {}

  async store(c: NewCallback): Promise<{ duplicate: boolean; id: string | null }> {
    try {
      const id = await this.ds.transaction(async (m) => {
        const inserted = await this.inbox.insert(m, c);
        if (inserted) await this.jobs.send(CALLBACK_QUEUE, { inboxId: inserted }, {}, m);
        return inserted;
      });
      if (id) return { duplicate: false, id };
      const { conflict } = await this.inbox.recordDuplicate(c);
      if (conflict) this.log.warn(`callback key ${c.idempotency_key} arrived again with a different body; kept as a conflict for ops`);
      return { duplicate: true, id: null };
    } catch (err) {
      this.log.error(`could not store callback ${c.idempotency_key}: ${(err as Error).message}`);
      throw new ApiError(503, 'STORAGE_UNAVAILABLE', 'The callback could not be stored; retry later.');
    }
  }

  /** Hook for signature discovery (kept rejected callbacks); no-op unless enabled. */
  rejected(_reason: string, _req: FastifyRequest, _raw: Buffer): void {}
}
