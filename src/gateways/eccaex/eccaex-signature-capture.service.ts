import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SETTINGS } from '../../config/settings.module';
import type { Settings } from '../../config/settings';
import { firstHeader } from '../../common/headers';

/** Captures kept (the newest); older ones are deleted on each capture. */
export const CAPTURE_KEEP = 100;
/** Bodies larger than this are not captured. */
export const CAPTURE_MAX_BODY_BYTES = 64 * 1024;
/** Captures per minute, per process; rejected callbacks past it are not kept. */
export const CAPTURE_PER_MINUTE = 10;

export interface RejectedCallback {
  reason: string;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

const first = (v: string | string[] | undefined): string | null => firstHeader(v) ?? null;
const cut = (v: string | null, n: number): string | null => (v === null ? null : v.slice(0, n));

/**
 * ECCAEX_SIGNATURE_CAPTURE=true: rejected EccaEx callbacks are kept so `npm run eccaex:signature`
 * can find the scheme the gateway really uses. Only the raw body, X-Signature,
 * X-Signature-Timestamp, X-Idempotency-Key, Content-Type and the names (not values) of the other
 * headers are kept: a signature is an HMAC output, not a secret. Bounded in count
 * (CAPTURE_KEEP), body size (CAPTURE_MAX_BODY_BYTES) and rate (CAPTURE_PER_MINUTE); storing is
 * fire-and-forget and never changes the 401 the gateway gets.
 */
@Injectable()
export class SignatureCaptureService implements BeforeApplicationShutdown {
  private readonly log = new Logger('SignatureCapture');
  private readonly pending = new Set<Promise<void>>();
  private windowStart = 0;
  private windowCount = 0;
  now: () => number = Date.now;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  get enabled(): boolean {
    return this.settings.eccaex.signatureCapture;
  }

  /** Keeps the callback if capture is on and the bounds allow; returns whether it will be stored. */
  capture(c: RejectedCallback): boolean {
    if (!this.enabled) return false;
    if (c.rawBody.length > CAPTURE_MAX_BODY_BYTES) {
      this.log.warn(`rejected callback not captured: body of ${c.rawBody.length} bytes is over ${CAPTURE_MAX_BODY_BYTES}`);
      return false;
    }
    const t = this.now();
    if (t - this.windowStart >= 60_000) {
      this.windowStart = t;
      this.windowCount = 0;
    }
    if (this.windowCount >= CAPTURE_PER_MINUTE) return false;
    this.windowCount += 1;
    const p = this.store(c)
      .catch((err: Error) => this.log.warn(`could not store a rejected callback for signature discovery: ${err.message}`))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
    return true;
  }

  /** Waits for captures still being written (tests; shutdown, before the pool closes). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async store(c: RejectedCallback): Promise<void> {
    const h = c.headers;
    const names = Object.keys(h).map((k) => k.toLowerCase()).sort().join(', ');
    await this.ds.query(
      `INSERT INTO signature_captures (provider, reason, raw_body, body_bytes, x_signature, x_signature_timestamp, x_idempotency_key, content_type, header_names)
       VALUES ('eccaex', $1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        c.reason.slice(0, 64),
        c.rawBody,
        c.rawBody.length,
        cut(first(h['x-signature']), 1024),
        cut(first(h['x-signature-timestamp']), 128),
        cut(first(h['x-idempotency-key']), 255),
        cut(first(h['content-type']), 255),
        names.slice(0, 2000),
      ],
    );
    await this.ds.query(
      `DELETE FROM signature_captures WHERE id < (SELECT min(id) FROM (SELECT id FROM signature_captures ORDER BY id DESC LIMIT ${CAPTURE_KEEP}) newest)`,
    );
  }
}
