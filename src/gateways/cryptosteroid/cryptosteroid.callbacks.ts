import { BlockList, isIP } from 'node:net';
import type { CallbackCheck, CallbackRequest, GatewayCallbacks, ParsedCallback } from '../gateway.port';
import { CS_TOKEN_HEADER } from './cryptosteroid.types';

/**
 * The callback half of CryptoSteroid. Its webhook carries no signature: only the invoice's own
 * `secret` in a `Token` header, so the order must be found from the body before the request can
 * be trusted (the core compares the token with the stored hash). The body is INFERRED to be the
 * Invoice object; only the references and the status are read here, and the read-back decides.
 */

/** Source addresses allowed to call back; empty = any. Entries are IPs or CIDR blocks. */
export class IpAllowList {
  private readonly list = new BlockList();
  readonly size: number;

  /** Throws on an entry that is neither an IP address nor a CIDR block (start-up validation). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [addr = '', bits, ...rest] = entry.trim().split('/');
      const family = isIP(addr);
      if (!family || rest.length) throw new Error(`not an IP address or CIDR block: "${entry}"`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) {
        this.list.addAddress(addr, type);
        continue;
      }
      const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : -1;
      if (prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`bad prefix length in "${entry}"`);
      this.list.addSubnet(addr, prefix, type);
    }
    this.size = entries.length;
  }

  /** IPv4-mapped IPv6 (::ffff:a.b.c.d) matches its IPv4 entry; an unparseable ip never matches. */
  allows(ip: string): boolean {
    if (this.size === 0) return true;
    const family = isIP(ip);
    if (!family) return false;
    return this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** One header's value; several different values are ambiguous and read as none. */
export function singleHeader(headers: CallbackRequest['headers'], name: string): string | null {
  const v = headers[name];
  if (Array.isArray(v)) return v.length > 0 && v.every((x) => x === v[0]) ? (v[0] ?? null) : null;
  return v === undefined || v === '' ? null : v;
}

export interface CsWebhookRef {
  invoiceId: string | null;
  externalId: string | null;
  status: string | null;
  /** The Invoice object's `updatedAt` as sent (number or string; format UNKNOWN), null if absent or of another type. */
  updatedAt?: string | null;
}

const MAX_REF = 256;

function refField(body: Record<string, unknown>, key: string): string | null | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || v.length > MAX_REF) return undefined;
  return v;
}

/** invoiceId / externalId / status from the webhook body; a string says why it is malformed. */
export function readWebhookRef(rawBody: Buffer): CsWebhookRef | string {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return 'body is not JSON';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  const o = body as Record<string, unknown>;
  const invoiceId = refField(o, 'invoiceId');
  const externalId = refField(o, 'externalId');
  const status = refField(o, 'status');
  if (invoiceId === undefined) return 'invoiceId must be a string';
  if (externalId === undefined) return 'externalId must be a string';
  if (status === undefined) return 'status must be a string';
  if (invoiceId === null && externalId === null) return 'neither invoiceId nor externalId';
  const u = o.updatedAt;
  const updatedAt = (typeof u === 'number' && Number.isFinite(u)) || (typeof u === 'string' && u !== '' && u.length <= 64) ? String(u) : null;
  return updatedAt === null ? { invoiceId, externalId, status } : { invoiceId, externalId, status, updatedAt };
}

/**
 * One PAID webhook, however often it is delivered (the same bytes each time), is one inbox entry:
 * `invoiceId:status`, and the invoice's `updatedAt` when the body has one, so a notice about a
 * later state of the invoice is read back again rather than taken for a repeat (the body is
 * trusted by then: the token matched the order's own secret).
 */
export function webhookDedupeKey(ref: CsWebhookRef): string {
  const id = ref.invoiceId !== null ? ref.invoiceId : `external:${ref.externalId}`;
  return `${id}:${ref.status ?? ''}${ref.updatedAt ? `:${ref.updatedAt}` : ''}`;
}

const KEPT_HEADERS = ['content-type', 'user-agent', 'x-request-id'];

export interface CsCallbacksOptions {
  /** CRYPTOSTEROID_ALLOWED_IPS: empty = any source. */
  allowedIps: readonly string[];
}

/** `POST /v1/webhooks/cryptosteroid` (the intake mounts it). */
export const CS_CALLBACK_ROUTE: GatewayCallbacks['route'] = { path: 'cryptosteroid', methods: ['POST'] };

export function cryptosteroidCallbacks(options: CsCallbacksOptions): GatewayCallbacks {
  const allow = new IpAllowList(options.allowedIps);
  return {
    route: CS_CALLBACK_ROUTE,
    perOrderCredential: true,
    // The secret travels in the create call's `secret` field, never in the URL.
    callbackUrl: (base: string) => `${base.replace(/\/+$/, '')}/v1/webhooks/cryptosteroid`,
    authenticate(req: CallbackRequest): CallbackCheck {
      if (allow.allows(req.ip)) return { ok: true };
      return { ok: false, code: 'INVALID_TOKEN', reason: 'source address not in CRYPTOSTEROID_ALLOWED_IPS' };
    },
    parse(req: CallbackRequest): ParsedCallback | string {
      const ref = readWebhookRef(req.rawBody);
      if (typeof ref === 'string') return ref;
      const keptHeaders: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const v = singleHeader(req.headers, name);
        if (v !== null) keptHeaders[name] = v.slice(0, 256);
      }
      return { orderId: null, invoiceId: ref.invoiceId, externalId: ref.externalId, dedupeKey: webhookDedupeKey(ref), keptHeaders, claimedStatus: ref.status };
    },
    presentedCredential: (req: CallbackRequest) => singleHeader(req.headers, CS_TOKEN_HEADER),
  };
}
