import { CallHandler, ExecutionContext, HttpException, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, Observable, tap, throwError } from 'rxjs';
import { ConnectionDropped, SandboxError } from './errors';
import { FAULT_ENDPOINT_KEY, FaultEndpoint } from './faults';
import { SandboxStore } from './store';

/**
 * Test tooling: what the emulated merchant API was asked, in arrival order, and what became of
 * each request. The sandbox refuses a second invoice per external_id like the gateway would, so
 * what it ends up holding says nothing about what a client sent; this record does (e.g. how many
 * creates the service sent for one order, and whether one arrived when the invoice existed).
 * Process memory, bounded; not EccaEx behaviour.
 */
export interface RecordedRequest {
  endpoint: Exclude<FaultEndpoint, '*'>;
  /** create-invoice: the body's external_id; otherwise the path's invoice ref or withdrawal uuid. */
  ref: string | null;
  /** Positions on one counter, so a test can order requests without clocks. */
  received_seq: number;
  finished_seq: number | null;
  received_at: string;
  finished_at: string | null;
  /**
   * answered: a 2xx went out; refused: an error reply; no_answer: a fault dropped the connection
   * (status and code then say what the request would have been answered, if it got that far).
   */
  outcome: 'in_progress' | 'answered' | 'refused' | 'no_answer';
  status: number | null;
  code: string | null;
  /** create-invoice: the invoice this request made (also when its answer was never sent). */
  invoice_id: string | null;
  /** create-invoice: the merchant already had an invoice with this external_id when it arrived. */
  invoice_existed: boolean | null;
}

const CAP = 20_000;

@Injectable()
export class RequestLog {
  private entries: RecordedRequest[] = [];
  private seq = 0;

  start(endpoint: RecordedRequest['endpoint'], ref: string | null, invoiceExisted: boolean | null): RecordedRequest {
    const r: RecordedRequest = {
      endpoint,
      ref,
      received_seq: ++this.seq,
      finished_seq: null,
      received_at: new Date().toISOString(),
      finished_at: null,
      outcome: 'in_progress',
      status: null,
      code: null,
      invoice_id: null,
      invoice_existed: invoiceExisted,
    };
    this.entries.push(r);
    // Trimmed in chunks: a shift per request would copy the whole array each time.
    if (this.entries.length > 2 * CAP) this.entries = this.entries.slice(-CAP);
    return r;
  }

  /** `answer`: what the handler answered, sent or not (a timeout fault may drop it after the work is done). */
  finish(r: RecordedRequest, outcome: RecordedRequest['outcome'], status: number | null, code: string | null, answer?: unknown): void {
    const id = (answer as { invoice_id?: unknown } | null | undefined)?.invoice_id;
    if (r.endpoint === 'create-invoice' && typeof id === 'string') r.invoice_id = id;
    r.finished_seq = ++this.seq;
    r.finished_at = new Date().toISOString();
    r.outcome = outcome;
    r.status = status;
    r.code = code;
  }

  list(filter: { endpoint?: string; ref?: string }): RecordedRequest[] {
    return this.entries.filter((r) => (!filter.endpoint || r.endpoint === filter.endpoint) && (filter.ref === undefined || r.ref === filter.ref)).map((r) => ({ ...r }));
  }

  clear(): number {
    const n = this.entries.length;
    this.entries = [];
    return n;
  }
}

/** Records every request of a handler marked with @FaultPoint; outermost, so faults are recorded too. */
@Injectable()
export class RequestLogInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly log: RequestLog,
    private readonly store: SandboxStore,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const endpoint = this.reflector.get<RecordedRequest['endpoint'] | undefined>(FAULT_ENDPOINT_KEY, ctx.getHandler());
    if (!endpoint) return next.handle();
    const req = ctx.switchToHttp().getRequest<{ body?: unknown; params?: Record<string, string>; method?: string }>();
    const body = req.body as { external_id?: unknown } | null | undefined;
    const ref = endpoint === 'create-invoice' ? (typeof body?.external_id === 'string' ? body.external_id : null) : (req.params?.ref ?? req.params?.uuid ?? null);
    const okStatus = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, ctx.getHandler()) ?? (req.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    // A create: does the gateway already hold this external_id's invoice as the request arrives?
    const existed = endpoint === 'create-invoice' && ref !== null ? this.store.invoiceByExternalId(ref).then((row) => row !== null, () => null) : Promise.resolve(null);
    return from(existed).pipe(
      mergeMap((invoiceExisted) => {
        const entry = this.log.start(endpoint, ref, invoiceExisted);
        return next.handle().pipe(
          tap((answer) => this.log.finish(entry, 'answered', okStatus, null, answer)),
          catchError((err: unknown) => {
            if (err instanceof ConnectionDropped) {
              const refusal = err.unsentAnswer instanceof SandboxError ? err.unsentAnswer : null;
              this.log.finish(entry, 'no_answer', refusal?.status ?? null, refusal?.code ?? null, err.unsentAnswer);
            } else if (err instanceof SandboxError) this.log.finish(entry, 'refused', err.status, err.code);
            else this.log.finish(entry, 'refused', err instanceof HttpException ? err.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR, null);
            return throwError(() => err);
          }),
        );
      }),
    );
  }
}
