import { Controller, HttpCode, Inject, Logger, Optional, Post, Req } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { firstHeader } from '../common/headers';
import { SETTINGS } from '../config/settings.module';
import { MetricsService } from '../metrics/metrics.service';
import { CallbackReceivedOutput } from '../openapi/responses';
import { Settings } from '../config/settings';
import { WebhookIntakeService } from './webhook-intake.service';
import { verifyEccaex } from './signature/eccaex-signature';

const header = (req: FastifyRequest, name: string): string | undefined => firstHeader(req.headers[name]);

/**
 * EccaEx's callback_url. The signature is checked on the raw bytes before anything is parsed or
 * looked up; only then is the callback stored (durably, before the 200) and queued.
 */
@ApiTags('callbacks')
@Controller('v1/webhooks')
export class EccaexWebhookController {
  private readonly log = new Logger('EccaexWebhook');

  constructor(
    private readonly intake: WebhookIntakeService,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  @Post('eccaex')
  @HttpCode(200)
  @ApiOperation({
    summary: 'EccaEx callback (callback_url = PUBLIC_BASE_URL + /v1/webhooks/eccaex)',
    description:
      'No bearer: trusted by its HMAC, checked on the raw request bytes (whatever the Content-Type says) before anything is parsed or looked up. ' +
      'signed = X-Signature-Timestamp + "." + raw body; expected = hex(HMAC-SHA256(secret, signed)) for any secret in ECCAEX_WEBHOOK_SECRET; ' +
      'the timestamp must be within ECCAEX_SIGNATURE_TOLERANCE_S (300 s) of now. ECCAEX_SIGNATURE_PAYLOAD / _ALGORITHM / _ENCODING select other schemes. ' +
      'A 200 means the callback is durably stored; processing (a read-back of the invoice from the gateway) may finish after the reply. ' +
      'A valid callback about an order that is not ours is stored as unmatched and also gets 200.',
  })
  @ApiHeader({ name: 'X-Signature', required: true, description: 'hex HMAC-SHA256 of `{timestamp}.{raw body}` (default scheme)', example: '9f2c1d0b7a3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c' })
  @ApiHeader({ name: 'X-Signature-Timestamp', required: true, description: 'unix seconds when the gateway signed', example: '1767268800' })
  @ApiHeader({
    name: 'X-Idempotency-Key',
    required: false,
    description: 'the delivery key, kept with the callback for ops; not what duplicates are recognised by (it is not signed): that is the body\'s event_id, else a hash of the signed body',
    example: '603120aa-4803-4958-8004-0ec8ef0e9148:success:1767268800',
  })
  @ApiBody({
    description: 'What EccaEx sends, verbatim (never trusted on its own: the invoice is read back from the gateway)',
    schema: {
      type: 'object',
      additionalProperties: true,
      properties: {
        event_id: { type: 'string', example: '603120aa-4803-4958-8004-0ec8ef0e9148:success:1767268800' },
        order_id: { type: 'string', description: "EccaEx's invoice id", example: '603120aa-4803-4958-8004-0ec8ef0e9148' },
        external_id: { type: 'string', description: 'our order external_id', example: 'order-2026-0001' },
        status: { type: 'string', example: 'success' },
      },
    },
  })
  @ApiOkResponse({
    type: CallbackReceivedOutput,
    description: 'stored (or already stored)',
    examples: { stored: { summary: 'first delivery', value: { received: true, duplicate: false } }, duplicate: { summary: "the body's event_id (else the same signed body) already stored", value: { received: true, duplicate: true } } },
  })
  @ApiResponse({ status: 400, description: 'MALFORMED_PAYLOAD: the signature is valid but the body is not JSON or names neither order_id nor external_id.' })
  @ApiResponse({
    status: 401,
    description:
      'INVALID_SIGNATURE: missing header, bad or malformed signature, stale or future timestamp (details.reason: missing_signature, missing_timestamp, malformed_timestamp, ' +
      'stale_timestamp, future_timestamp, malformed_signature, signature_mismatch, no_secret). Nothing is stored or looked up.',
  })
  @ApiResponse({ status: 503, description: 'STORAGE_UNAVAILABLE: the callback could not be stored; the gateway should retry.' })
  async receive(@Req() req: FastifyRequest): Promise<{ received: true; duplicate: boolean }> {
    this.metrics?.callbackReceived('eccaex');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const s = this.settings.eccaex;
    const verdict = verifyEccaex({
      rawBody: raw,
      signature: req.headers['x-signature'],
      timestamp: req.headers['x-signature-timestamp'],
      secrets: s.webhookSecrets,
      scheme: { payload: s.signaturePayload, algorithm: s.signatureAlgorithm, encoding: s.signatureEncoding, toleranceS: s.signatureToleranceS },
      nowSeconds: Date.now() / 1000,
    });
    if (!verdict.ok) {
      this.log.warn(`rejected EccaEx callback: ${verdict.reason} (scheme ${s.signaturePayload} ${s.signatureAlgorithm} ${s.signatureEncoding}, ${raw.length} bytes)`);
      this.metrics?.callbackRejected('eccaex', verdict.reason);
      this.intake.rejected(verdict.reason, req, raw);
      throw new ApiError(401, 'INVALID_SIGNATURE', 'The callback signature is missing, invalid or not fresh.', { reason: verdict.reason });
    }
    this.metrics?.callbackVerified('eccaex');
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      this.metrics?.callbackRejected('eccaex', 'malformed_payload');
      throw new ApiError(400, 'MALFORMED_PAYLOAD', 'The body is not JSON.');
    }
    const p = payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
    // Postgres text cannot hold U+0000: such a value cannot be ours (or a key); left out rather than failing the store.
    const orderId = typeof p.order_id === 'string' && p.order_id.length <= 128 && !p.order_id.includes('\u0000') ? p.order_id : null;
    const externalId = typeof p.external_id === 'string' && p.external_id.length <= 128 && !p.external_id.includes('\u0000') ? p.external_id : null;
    if (!orderId && !externalId) {
      this.metrics?.callbackRejected('eccaex', 'malformed_payload');
      throw new ApiError(400, 'MALFORMED_PAYLOAD', 'The body names neither order_id nor external_id.');
    }
    const payloadHash = createHash('sha256').update(raw).digest('hex');
    const given = header(req, 'x-idempotency-key');
    // Duplicates by what the signature covers: the body's event_id, else the signed body itself.
    // X-Idempotency-Key is not signed (anyone could send new ones, or take a future one first):
    // it is kept with the callback as information only.
    const key =
      typeof p.event_id === 'string' && p.event_id.length >= 1 && p.event_id.length <= 255 && !p.event_id.includes('\u0000')
        ? p.event_id
        : `sha256:${payloadHash}`;
    const stored = await this.intake.store({
      provider: 'eccaex',
      idempotency_key: key,
      payload_hash: payloadHash,
      raw_body: raw,
      headers: {
        'x-signature': header(req, 'x-signature') ?? '',
        'x-signature-timestamp': header(req, 'x-signature-timestamp') ?? '',
        'x-idempotency-key': given ?? '',
        'content-type': header(req, 'content-type') ?? '',
        'user-agent': header(req, 'user-agent') ?? '',
      },
      gateway_order_id: orderId,
      external_id: externalId,
    });
    if (stored.duplicate) this.metrics?.callbackDuplicate('eccaex');
    return { received: true, duplicate: stored.duplicate };
  }
}
