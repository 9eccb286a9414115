/**
 * EccaEx callback signature verification (docs/api.md section 6; the scheme's settings:
 * docs/gateways/eccaex.md, "The signature").
 *
 * Pure module: no Nest, no I/O, no clock (the caller injects `nowSeconds`). Everything works on
 * the exact request bytes; the body never goes through a JS string.
 *
 *   signed   = payload template with {timestamp} / {body} replaced, built as a Buffer
 *   expected = encoding(HMAC_algorithm(key = secret (utf8), signed))
 *   valid    = constant-time equal(expected, X-Signature) for any configured secret
 *   fresh    = |now − X-Signature-Timestamp| ≤ toleranceS
 *
 * `verifyEccaex` never throws: every failure is a `{ ok: false, reason }`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureAlgorithm, SignatureEncoding, SignaturePayload } from './eccaex.settings';
import { firstHeader } from '../../common/headers';
import { hmacKey } from '../../common/hmac-key';

export interface SignatureScheme {
  payload: SignaturePayload;
  algorithm: SignatureAlgorithm;
  encoding: SignatureEncoding;
  toleranceS: number;
}

/** A scheme without its freshness window: what a signature alone can tell apart. */
export type SchemeCombination = Pick<SignatureScheme, 'payload' | 'algorithm' | 'encoding'>;

export type RejectReason =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'no_secret';

export type VerifyResult = { ok: true; secretIndex: number; timestamp: number } | { ok: false; reason: RejectReason };

export interface VerifyInput {
  rawBody: Buffer;
  signature: string | string[] | undefined;
  timestamp: string | string[] | undefined;
  secrets: readonly string[];
  scheme: SignatureScheme;
  nowSeconds: number;
}

export interface DiscoverySample {
  rawBody: Buffer;
  signature: string;
  timestamp: string;
}

export type DiscoveredScheme = SchemeCombination & { secretIndex: number };

const PAYLOADS: readonly SignaturePayload[] = ['{timestamp}.{body}', '{body}', '{timestamp}{body}'];
const ALGORITHMS: readonly SignatureAlgorithm[] = ['sha256', 'sha512'];
const ENCODINGS: readonly SignatureEncoding[] = ['hex', 'base64'];

/** Every accepted combination (3 payloads × 2 algorithms × 2 encodings = 12), payload-major. */
export const SUPPORTED_SCHEMES: readonly SchemeCombination[] = Object.freeze(
  PAYLOADS.flatMap((payload) =>
    ALGORITHMS.flatMap((algorithm) => ENCODINGS.map((encoding) => Object.freeze({ payload, algorithm, encoding }))),
  ),
);

const DIGEST_BYTES: Record<SignatureAlgorithm, number> = { sha256: 32, sha512: 64 };
const DOT = Buffer.from('.', 'latin1');
const TIMESTAMP_RE = /^\d{1,12}$/;
const PREFIX_RE = /^(sha256|sha512)=/i;
const HEX_RE = /^[0-9a-f]+$/;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** The exact bytes that are signed for a payload template. */
function signedBytes(payload: SignaturePayload, timestamp: string, rawBody: Uint8Array): Buffer {
  const body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  switch (payload) {
    case '{timestamp}.{body}':
      return Buffer.concat([Buffer.from(timestamp, 'utf8'), DOT, body]);
    case '{timestamp}{body}':
      return Buffer.concat([Buffer.from(timestamp, 'utf8'), body]);
    case '{body}':
      return body;
    default:
      throw new Error(`unsupported signature payload: ${String(payload as unknown)}`);
  }
}

function hmac(secret: string, timestamp: string, rawBody: Uint8Array, scheme: SchemeCombination): Buffer {
  if (!(scheme.algorithm in DIGEST_BYTES)) {
    throw new Error(`unsupported signature algorithm: ${String(scheme.algorithm as unknown)}`);
  }
  return createHmac(scheme.algorithm, hmacKey(secret))
    .update(signedBytes(scheme.payload, timestamp, rawBody))
    .digest();
}

/** Signs like EccaEx would (sandbox and tests): lowercase hex or padded standard base64. */
export function signEccaex(secret: string, timestamp: string, rawBody: Buffer, scheme: SchemeCombination): string {
  if (scheme.encoding !== 'hex' && scheme.encoding !== 'base64') {
    throw new Error(`unsupported signature encoding: ${String(scheme.encoding as unknown)}`);
  }
  return hmac(secret, timestamp, rawBody, scheme).toString(scheme.encoding);
}

/** First value of a header that may be repeated; empty or whitespace-only counts as absent. */
function headerValue(value: unknown): string | undefined {
  return firstHeader(value)?.trim() || undefined;
}

/**
 * Decodes a provided signature to the digest bytes, or null when it cannot be one for this
 * algorithm/encoding (bad characters, wrong length, non-canonical base64, prefix naming another
 * algorithm). Input is already trimmed.
 */
function decodeSignature(value: string, algorithm: SignatureAlgorithm, encoding: SignatureEncoding): Buffer | null {
  let text = value;
  const prefix = PREFIX_RE.exec(text);
  if (prefix) {
    if (prefix[1]!.toLowerCase() !== algorithm) return null;
    text = text.slice(prefix[0].length);
  }
  const size = DIGEST_BYTES[algorithm];
  if (encoding === 'hex') {
    text = text.toLowerCase();
    if (text.length !== size * 2 || !HEX_RE.test(text)) return null;
    return Buffer.from(text, 'hex');
  }
  if (encoding === 'base64') {
    if (text.length % 4 !== 0) text += '='.repeat(4 - (text.length % 4)); // tolerate missing padding
    if (!BASE64_RE.test(text)) return null;
    const bytes = Buffer.from(text, 'base64');
    // Node's decoder is lenient; only the canonical spelling of `size` bytes is accepted.
    if (bytes.length !== size || bytes.toString('base64') !== text) return null;
    return bytes;
  }
  return null;
}

/** Index of the first secret whose HMAC equals `provided`; every secret is always computed and compared. */
function matchSecret(
  provided: Buffer,
  secrets: readonly string[],
  timestamp: string,
  rawBody: Uint8Array,
  scheme: SchemeCombination,
): number {
  let found = -1;
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i];
    if (typeof secret !== 'string' || secret === '') continue; // an empty key would accept anyone's signature
    const expected = hmac(secret, timestamp, rawBody, scheme);
    const equal = expected.length === provided.length && timingSafeEqual(expected, provided);
    if (equal && found === -1) found = i;
  }
  return found;
}

function usableSecrets(secrets: unknown): readonly string[] {
  if (!Array.isArray(secrets)) return [];
  return secrets.some((s) => typeof s === 'string' && s !== '') ? (secrets as string[]) : [];
}

function verify(input: VerifyInput): VerifyResult {
  const signature = headerValue(input.signature);
  if (signature === undefined) return { ok: false, reason: 'missing_signature' };
  const timestampText = headerValue(input.timestamp);
  if (timestampText === undefined) return { ok: false, reason: 'missing_timestamp' };

  if (!TIMESTAMP_RE.test(timestampText)) return { ok: false, reason: 'malformed_timestamp' };
  const timestamp = Number(timestampText);

  const { scheme } = input;
  const now = Math.floor(input.nowSeconds);
  const age = now - timestamp;
  // Written so that NaN (bad clock or tolerance) rejects instead of passing.
  if (!(Math.abs(age) <= scheme.toleranceS)) {
    return { ok: false, reason: age < 0 ? 'future_timestamp' : 'stale_timestamp' };
  }

  const secrets = usableSecrets(input.secrets);
  if (secrets.length === 0) return { ok: false, reason: 'no_secret' };

  const provided = decodeSignature(signature, scheme.algorithm, scheme.encoding);
  if (provided === null) return { ok: false, reason: 'malformed_signature' };

  const body: unknown = input.rawBody;
  if (!(body instanceof Uint8Array)) return { ok: false, reason: 'signature_mismatch' };

  const secretIndex = matchSecret(provided, secrets, timestampText, body, scheme);
  if (secretIndex === -1) return { ok: false, reason: 'signature_mismatch' };
  return { ok: true, secretIndex, timestamp };
}

/**
 * Verifies an EccaEx callback. Check order: missing headers → timestamp format → freshness →
 * configured secrets → signature format → signature value. Never throws.
 */
export function verifyEccaex(input: VerifyInput): VerifyResult {
  try {
    return verify(input);
  } catch {
    // Only reachable with inputs outside the types (e.g. an unknown algorithm from a bad config).
    return { ok: false, reason: 'signature_mismatch' };
  }
}

/**
 * Given one captured real callback and candidate secrets, lists every supported combination
 * (and secret) whose signature matches. Freshness and the timestamp's format are ignored, so a
 * millisecond timestamp is still discovered. Never throws.
 */
export function discoverScheme(sample: DiscoverySample, secrets: readonly string[]): DiscoveredScheme[] {
  const found: DiscoveredScheme[] = [];
  try {
    const signature = headerValue(sample.signature);
    const body: unknown = sample.rawBody;
    if (signature === undefined || !(body instanceof Uint8Array)) return found;
    const timestamp = headerValue(sample.timestamp) ?? '';
    const candidates = Array.isArray(secrets) ? secrets : [];
    for (const combo of SUPPORTED_SCHEMES) {
      const provided = decodeSignature(signature, combo.algorithm, combo.encoding);
      if (provided === null) continue;
      candidates.forEach((secret, secretIndex) => {
        if (typeof secret !== 'string' || secret === '') return;
        const expected = hmac(secret, timestamp, body, combo);
        if (expected.length === provided.length && timingSafeEqual(expected, provided)) {
          found.push({ payload: combo.payload, algorithm: combo.algorithm, encoding: combo.encoding, secretIndex });
        }
      });
    }
  } catch {
    // fall through with whatever was found
  }
  return found;
}
