import { Injectable, Logger, Optional } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../common/api-error';
import type { CallbackRequest } from '../gateways/gateway.port';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import { MetricsService } from '../metrics/metrics.service';
import { OrdersRepository } from '../orders/orders.repository';
import { WebhookIntakeService } from './webhook-intake.service';

/** What the HTTP layer hands over: the request as the gateway sent it (raw bytes). */
export interface IncomingCallback {
  method: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string>;
  query?: Record<string, string | string[] | undefined>;
  ip?: string;
}

const MESSAGES = {
  INVALID_SIGNATURE: 'The callback signature is missing, invalid or not fresh.',
  INVALID_TOKEN: "The callback's token is missing, wrong, or another order's.",
} as const;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time: the presented credential's hash against the stored one (hex). */
export function credentialMatches(presented: string, storedHashHex: string): boolean {
  const stored = Buffer.from(storedHashHex, 'hex');
  const given = sha256(presented);
  return stored.length === given.length && timingSafeEqual(stored, given);
}

/**
 * The one callback intake, for every gateway: authenticate (before anything is parsed or looked
 * up) → parse → for gateways with a per-order credential, find the order and compare what the
 * request presents with the stored hash → store in the inbox and queue `gateway-callback` (one
 * statement; the 200 means durably stored). The read-back of the invoice happens later
 * (CallbackProcessor): a callback's body is never trusted.
 */
/** Why a presented per-order credential is not good enough, or null when it is. */
function credentialProblem(presented: string, storedHash: string | null, found: boolean): 'unknown_order' | 'token_mismatch' | null {
  if (!found) return 'unknown_order';
  if (!storedHash || !credentialMatches(presented, storedHash)) return 'token_mismatch';
  return null;
}

@Injectable()
export class CallbackIntakeService {
  private readonly log = new Logger('CallbackIntake');

  constructor(
    private readonly gateways: GatewayRegistry,
    private readonly orders: OrdersRepository,
    private readonly intake: WebhookIntakeService,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  async receive(provider: string, incoming: IncomingCallback, nowMs = Date.now()): Promise<{ received: true; duplicate: boolean }> {
    const gateway = this.gateways.get(provider);
    const callbacks = gateway.callbacks;
    const methods = callbacks.route.methods;
    if (methods !== 'any' && !methods.map((m) => m.toUpperCase()).includes(incoming.method.toUpperCase())) {
      // A route of several methods is mounted for any; the others are not this gateway's callbacks.
      throw new ApiError(405, 'METHOD_NOT_ALLOWED', `The ${provider} callback route takes ${methods.join(', ')}.`);
    }
    this.metrics?.callbackReceived(provider);
    const req: CallbackRequest = {
      method: incoming.method,
      rawBody: Buffer.isBuffer(incoming.body) ? incoming.body : Buffer.alloc(0),
      headers: incoming.headers,
      params: incoming.params ?? {},
      query: incoming.query ?? {},
      ip: incoming.ip ?? '',
    };
    const check = callbacks.authenticate(req, nowMs);
    if (!check.ok) {
      this.metrics?.callbackRejected(provider, check.reason);
      try {
        callbacks.rejected?.(req, check);
      } catch {
        // a hook must never change the reply
      }
      throw new ApiError(401, check.code, MESSAGES[check.code], { reason: check.reason });
    }
    // A per-order credential, read once; one that is not there at all is refused before the body is read.
    const presented = callbacks.perOrderCredential ? (callbacks.presentedCredential?.(req) ?? null) : null;
    if (callbacks.perOrderCredential && !presented) {
      this.metrics?.callbackRejected(provider, 'missing_token');
      this.log.warn(`rejected ${provider} callback: missing_token`);
      throw new ApiError(401, 'INVALID_TOKEN', MESSAGES.INVALID_TOKEN, { reason: 'missing_token' });
    }
    const parsed = callbacks.parse(req);
    if (typeof parsed === 'string') {
      this.metrics?.callbackVerified(provider);
      this.metrics?.callbackRejected(provider, 'malformed_payload');
      throw new ApiError(400, 'MALFORMED_PAYLOAD', parsed);
    }
    let orderId: string | null = null;
    let key = parsed.dedupeKey;
    if (callbacks.perOrderCredential) {
      const order = await this.storageStep(() => this.orders.findForCallback(provider, parsed));
      const reason = credentialProblem(presented!, order?.callback_credential_hash ?? null, !!order);
      if (reason) {
        this.metrics?.callbackRejected(provider, reason);
        this.log.warn(`rejected ${provider} callback: ${reason} (order ${order?.id ?? parsed.orderId ?? parsed.externalId ?? parsed.invoiceId ?? '-'})`);
        // The reply does not say whether the order exists (a storefront's order numbers are guessable); the log does.
        throw new ApiError(401, 'INVALID_TOKEN', MESSAGES.INVALID_TOKEN, { reason: reason === 'unknown_order' ? 'token_mismatch' : reason });
      }
      orderId = order!.id;
      if (callbacks.dedupeKeyFor) {
        // Pings that say nothing coalesce while one is waiting to be read; once it was read, the
        // next ping reads the invoice again (it may have moved since): the key counts the reads.
        const read = await this.storageStep(() => this.orders.callbacksReadFor(order!.id));
        key = `${callbacks.dedupeKeyFor(parsed, order!)}:${read}`;
      }
    }
    this.metrics?.callbackVerified(provider);
    const stored = await this.intake.store({
      provider,
      idempotency_key: key,
      payload_hash: createHash('sha256').update(req.rawBody).digest('hex'),
      raw_body: req.rawBody,
      headers: parsed.keptHeaders,
      gateway_order_id: parsed.invoiceId,
      external_id: parsed.externalId,
      order_id: orderId,
    });
    if (stored.duplicate) this.metrics?.callbackDuplicate(provider);
    return { received: true, duplicate: stored.duplicate };
  }

  /** A lookup the intake cannot do is the service's trouble: 503, so the gateway retries. */
  private async storageStep<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.log.error(`callback lookup failed: ${(err as Error).message}`);
      throw new ApiError(503, 'STORAGE_UNAVAILABLE', 'The callback could not be stored; retry later.');
    }
  }
}
