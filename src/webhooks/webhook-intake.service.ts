import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { JobsService } from '../jobs/jobs.service';
import { CALLBACK_QUEUE } from './callback-processor.service';
import { SignatureCaptureService } from './signature/signature-capture.service';
import { NewCallback, WebhookInboxRepository } from './webhook-inbox.repository';

/** Stores a verified callback and its processing job atomically (one statement, else one transaction): both or neither. */
@Injectable()
export class WebhookIntakeService {
  private readonly log = new Logger('WebhookIntake');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly inbox: WebhookInboxRepository,
    private readonly jobs: JobsService,
    private readonly captures: SignatureCaptureService,
  ) {}

  async store(c: NewCallback): Promise<{ duplicate: boolean; id: string | null }> {
    try {
      // Hot path: the row and its job in one statement (one round trip instead of BEGIN, two
      // INSERTs and COMMIT); the duplicate's original comes back with it.
      const newId = randomUUID();
      const job = await this.jobs.sendStatement(CALLBACK_QUEUE, { inboxId: newId });
      const one = job ? await this.inbox.insertWithJob(newId, c, job) : null;
      if (one) {
        if (one.id) {
          if (one.jobs !== 1) this.log.error(`callback ${one.id} stored without its processing job (is the ${CALLBACK_QUEUE} queue defined?)`);
          return { duplicate: false, id: one.id };
        }
        const { conflict } = await this.inbox.recordDuplicate(c, one.original ?? undefined);
        if (conflict) this.log.warn(`callback key ${c.idempotency_key} arrived again with a different body; kept as a conflict for ops`);
        return { duplicate: true, id: null };
      }
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

  /** Signature discovery: keeps the rejected callback (bounded) when ECCAEX_SIGNATURE_CAPTURE is on. */
  rejected(reason: string, req: FastifyRequest, raw: Buffer): void {
    this.captures.capture({ reason, rawBody: raw, headers: req.headers });
  }
}
