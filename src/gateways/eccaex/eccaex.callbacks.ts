import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { firstHeader } from '../../common/headers';
import type { CallbackCheck, CallbackRequest, GatewayCallbacks, ParsedCallback } from '../gateway.port';
import { verifyEccaex } from './eccaex-signature';
import type { EccaexSettings } from './eccaex.settings';

const first = (v: string | string[] | undefined): string | undefined => firstHeader(v);

/** Postgres text cannot hold U+0000: such a value cannot be ours (or a key); left out rather than failing the store. */
const reference = (v: unknown): string | null => (typeof v === 'string' && v.length <= 128 && !v.includes('\u0000') ? v : null);

/**
 * The callback half of EccaEx (docs/api.md section 6): one route, `POST /v1/webhooks/eccaex`,
 * trusted by its HMAC over the raw bytes (checked before anything is parsed or looked up); the
 * body names EccaEx's invoice (`order_id`) and our `external_id`; duplicates are recognised by
 * what the signature covers (the body's event_id, else the signed bytes).
 */
export const ECCAEX_CALLBACK_ROUTE = { path: 'eccaex', methods: ['POST'] };

export class EccaexCallbacks implements GatewayCallbacks {
  readonly route = ECCAEX_CALLBACK_ROUTE;
  readonly perOrderCredential = false;
  private readonly log = new Logger('EccaexWebhook');

  constructor(
    private readonly settings: () => EccaexSettings,
    private readonly capture?: (reason: string, req: CallbackRequest) => void,
  ) {}

  callbackUrl(base: string): string {
    return `${base}/v1/webhooks/eccaex`;
  }

  authenticate(req: CallbackRequest, nowMs: number): CallbackCheck {
    const s = this.settings();
    const verdict = verifyEccaex({
      rawBody: req.rawBody,
      signature: req.headers['x-signature'],
      timestamp: req.headers['x-signature-timestamp'],
      secrets: s.webhookSecrets,
      scheme: { payload: s.signaturePayload, algorithm: s.signatureAlgorithm, encoding: s.signatureEncoding, toleranceS: s.signatureToleranceS },
      nowSeconds: nowMs / 1000,
    });
    return verdict.ok ? { ok: true } : { ok: false, code: 'INVALID_SIGNATURE', reason: verdict.reason };
  }

  rejected(req: CallbackRequest, check: { reason: string }): void {
    const s = this.settings();
    this.log.warn(`rejected EccaEx callback: ${check.reason} (scheme ${s.signaturePayload} ${s.signatureAlgorithm} ${s.signatureEncoding}, ${req.rawBody.length} bytes)`);
    this.capture?.(check.reason, req);
  }

  parse(req: CallbackRequest): ParsedCallback | string {
    let payload: unknown;
    try {
      payload = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      return 'The body is not JSON.';
    }
    const p = payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
    const invoiceId = reference(p.order_id);
    const externalId = reference(p.external_id);
    if (!invoiceId && !externalId) return 'The body names neither order_id nor external_id.';
    // Duplicates by what the signature covers: the body's event_id, else the signed body itself.
    // X-Idempotency-Key is not signed (anyone could send new ones, or take a future one first):
    // it is kept with the callback as information only.
    const dedupeKey =
      typeof p.event_id === 'string' && p.event_id.length >= 1 && p.event_id.length <= 255 && !p.event_id.includes('\u0000')
        ? p.event_id
        : `sha256:${createHash('sha256').update(req.rawBody).digest('hex')}`;
    const h = req.headers;
    return {
      orderId: null,
      invoiceId,
      externalId,
      dedupeKey,
      keptHeaders: {
        'x-signature': first(h['x-signature']) ?? '',
        'x-signature-timestamp': first(h['x-signature-timestamp']) ?? '',
        'x-idempotency-key': first(h['x-idempotency-key']) ?? '',
        'content-type': first(h['content-type']) ?? '',
        'user-agent': first(h['user-agent']) ?? '',
      },
      claimedStatus: typeof p.status === 'string' ? p.status : null,
    };
  }
}
