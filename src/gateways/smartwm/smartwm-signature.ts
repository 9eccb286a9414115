/**
 * DPAY request/response signature (SmartWM acquiring):
 *
 *   DPAY_SECURE = base64( md5( secret + base64( sha1(body, raw) ) + secret, raw ) )
 *
 * over the exact bytes sent or received (never a re-serialisation: key order, escaping and number
 * formats would change the digest). The secret is the cash register's salt, as UTF-8. Pure: no
 * I/O; `verifyDpay` never throws.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** base64 of a 16-byte MD5 digest: 22 characters and two `=`. */
const SIGNATURE_RE = /^[A-Za-z0-9+/]{22}==$/;

function digest(secret: string, body: Uint8Array): Buffer {
  const inner = createHash('sha1').update(body).digest('base64');
  return createHash('md5').update(secret, 'utf8').update(inner, 'latin1').update(secret, 'utf8').digest();
}

/** The DPAY_SECURE value for these exact bytes. */
export function signDpay(secret: string, body: Uint8Array): string {
  return digest(secret, body).toString('base64');
}

/**
 * True when `signature` (a DPAY_SECURE header as received) is the signature of `body`. A missing,
 * repeated or malformed header is false; the digests are compared in constant time.
 */
export function verifyDpay(secret: string, body: Uint8Array, signature: string | string[] | undefined): boolean {
  if (typeof signature !== 'string' || secret === '') return false;
  const given = signature.trim();
  if (!SIGNATURE_RE.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'base64'), digest(secret, body));
}

/** The bytes the hosted-form SIGN covers: the values of the SIGN_ORDER fields, concatenated; a field named but absent counts as empty. */
export function dpayFormBytes(fields: Readonly<Record<string, string | undefined>>, signOrder: string): Buffer {
  const names = signOrder.split(';').filter((name) => name !== '');
  return Buffer.from(names.map((name) => fields[name] ?? '').join(''), 'utf8');
}

/** The hosted-form SIGN: the body formula over `dpayFormBytes`. */
export function signDpayForm(secret: string, fields: Readonly<Record<string, string | undefined>>, signOrder: string): string {
  return signDpay(secret, dpayFormBytes(fields, signOrder));
}

export function verifyDpayForm(secret: string, fields: Readonly<Record<string, string | undefined>>, signOrder: string, sign: string | undefined): boolean {
  return verifyDpay(secret, dpayFormBytes(fields, signOrder), sign);
}
