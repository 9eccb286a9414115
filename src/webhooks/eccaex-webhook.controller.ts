import { Controller, HttpCode, Inject, Logger, Post, Req } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { SETTINGS } from '../config/settings.module';
import { Settings } from '../config/settings';
import { WebhookIntakeService } from './webhook-intake.service';
import { verifyEccaex } from './signature/eccaex-signature';

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * EccaEx's callback_url. The signature is checked on the raw bytes before anything is parsed or
 * looked up; only then is the callback stored (durably, before the 200) and queued.
 */
@Controller('v1/webhooks')
export class EccaexWebhookController {
  private readonly log = new Logger('EccaexWebhook');

  constructor(
    private readonly intake: WebhookIntakeService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Post('eccaex')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async receive(@Req() req: FastifyRequest): Promise<{ received: true; duplicate: boolean }> {
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
      this.intake.rejected(verdict.reason, req, raw);
      throw new ApiError(401, 'INVALID_SIGNATURE', 'The callback signature is missing, invalid or not fresh.', { reason: verdict.reason });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError(400, 'MALFORMED_PAYLOAD', 'The body is not JSON.');
    }
    const p = payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
    const orderId = typeof p.order_id === 'string' && p.order_id.length <= 128 ? p.order_id : null;
    const externalId = typeof p.external_id === 'string' && p.external_id.length <= 128 ? p.external_id : null;
    if (!orderId && !externalId) throw new ApiError(400, 'MALFORMED_PAYLOAD', 'The body names neither order_id nor external_id.');
    const payloadHash = createHash('sha256').update(raw).digest('hex');
    const given = header(req, 'x-idempotency-key');
    const key = given && given.length <= 255 ? given : typeof p.event_id === 'string' && p.event_id.length <= 255 ? p.event_id : `sha256:${payloadHash}`;
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
    return { received: true, duplicate: stored.duplicate };
  }
}
