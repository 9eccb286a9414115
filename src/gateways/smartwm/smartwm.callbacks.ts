import { isUuid } from '../../common/ids';
import type { CallbackCheck, CallbackRequest, GatewayCallbacks, ParsedCallback } from '../gateway.port';

/**
 * SmartWM's callback half. The platform sends an empty GET to the `status_url` we gave it, with
 * nothing to trust: the URL carries the order id (path) and the order's own random token (query).
 * The token lets the ping trigger a signed status read, and that read decides; the core checks the
 * token against the stored hash before anything is stored or read.
 */

export const SMARTWM_CALLBACK_PATH = 'smartwm';

/** `<base>/v1/webhooks/smartwm/<order id>?token=<credential>`: what status_url is for an order. */
export function smartwmStatusUrl(base: string, orderId: string, credential: string): string {
  return `${base.replace(/\/+$/, '')}/v1/webhooks/${SMARTWM_CALLBACK_PATH}/${encodeURIComponent(orderId)}?token=${encodeURIComponent(credential)}`;
}

/** The `token` query value; absent, empty or repeated (`?token=a&token=b`) gives null. */
export function pingToken(query: CallbackRequest['query']): string | null {
  const v = query.token;
  return typeof v === 'string' && v !== '' ? v : null;
}

/** Duplicate key of a ping: one per order and order status, so a repeat while nothing changed is a duplicate. */
export function pingDedupeKey(orderId: string, orderStatus: string): string {
  return `ping:${orderId}:${orderStatus}`;
}

export const smartwmCallbacks: GatewayCallbacks = {
  route: { path: `${SMARTWM_CALLBACK_PATH}/:order_id`, methods: 'any' },
  perOrderCredential: true,

  callbackUrl(base, order, credential) {
    // A status_url without the token would let nobody's ping through; never send one.
    if (!credential) throw new Error('a SmartWM status_url needs the order callback credential');
    return smartwmStatusUrl(base, order.id, credential);
  },

  /** Nothing is signed on a ping; the per-order token is checked by the core (perOrderCredential). */
  authenticate(): CallbackCheck {
    return { ok: true };
  },

  parse(req): ParsedCallback | string {
    const orderId = req.params.order_id;
    if (!orderId || !isUuid(orderId)) return 'the path does not name an order id';
    return {
      orderId: orderId.toLowerCase(),
      invoiceId: null,
      externalId: null,
      dedupeKey: `ping:${orderId.toLowerCase()}`,
      keptHeaders: {},
      claimedStatus: null,
    };
  },

  presentedCredential(req) {
    return pingToken(req.query);
  },

  dedupeKeyFor(parsed, order) {
    return pingDedupeKey(order.id, order.status);
  },
};
