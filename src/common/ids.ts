import * as crypto from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in its canonical text form (any version): what an id of ours looks like. */
export const isUuid = (s: string): boolean => UUID.test(s);

/** Node's own, from 24.16 on; earlier 24.x releases (package.json allows any) use uuidV7 below. */
const native = (crypto as { randomUUIDv7?: () => string }).randomUUIDv7;

/** A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. */
export function uuidV7(nowMs = Date.now()): string {
  const b = crypto.randomBytes(16);
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The id of a new row of a table that grows (orders, timeline events, stored callbacks,
 * notifications): a version 7 UUID, so ids made one after another sort one after another and
 * each insert lands at the right edge of the primary key's index instead of on a random page of
 * it (with random v4 ids, at 10,000,000 rows nearly every insert touched an index page not in
 * memory). Still 74 random bits: not guessable, and not a secret either way.
 */
export const newId: () => string = native ? () => native.call(crypto) : () => uuidV7();
