/**
 * Reading a gateway's JSON without trusting it: every helper says where a value was wrong, and
 * money is only ever a decimal string (a JSON number has been through a float: refused).
 * Thrown ShapeErrors become GatewayError('rejected') in GatewayHttp.
 */
export function truncate(s: string | undefined, max = 300): string | undefined {
  return s !== undefined && s.length > max ? `${s.slice(0, max)}…` : s;
}

export interface ParsedJson {
  ok: boolean;
  value: unknown;
}

export function parseJson(body: string): ParsedJson {
  if (body.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, value: undefined };
  }
}


/** Thrown by the parsers; becomes GatewayError('rejected'). */
export class ShapeError extends Error {}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

export function obj(v: unknown, where: string): Obj {
  if (!isObj(v)) throw new ShapeError(`${where} must be an object, got ${describe(v)}`);
  return v;
}

export function describe(v: unknown): string {
  if (v === undefined) return 'an empty body';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

export function reqStr(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v === 'string' && v !== '') return v;
  throw new ShapeError(`${where}.${key} must be a non-empty string, got ${describe(v)}`);
}

/** Money must be a decimal string. */
export function reqMoney(o: Obj, key: string, where: string): string {
  const v = moneyOrUndefined(o[key], `${where}.${key}`);
  if (typeof v === 'string') return v;
  throw new ShapeError(`${where}.${key} must be a decimal string, got ${describe(o[key])}`);
}

/**
 * A JSON number in a money field has already been through a float (JSON.parse), so its exact
 * value is lost: the whole answer is refused (an error that moves nothing), never read back.
 */
export function moneyOrUndefined(v: unknown, where: string): string | undefined {
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return v.trim();
  if (typeof v === 'number') throw new ShapeError(`${where} is a JSON number; money must be a decimal string (a number cannot be read exactly)`);
  return undefined;
}

export function optMoney(o: Obj, key: string, where: string): string | null | undefined {
  const v = o[key];
  if (v === null) return null;
  return moneyOrUndefined(v, `${where}.${key}`);
}

export function optStr(o: Obj, key: string): string | null | undefined {
  const v = o[key];
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function optNum(o: Obj, key: string): number | null | undefined {
  const v = o[key];
  if (v === null) return null;
  return num(v);
}

export function optBool(o: Obj, key: string): boolean | null | undefined {
  const v = o[key];
  if (v === null) return null;
  return typeof v === 'boolean' ? v : undefined;
}

export function reqInt(o: Obj, key: string, where: string): number {
  const v = num(o[key]);
  if (v !== undefined && Number.isInteger(v)) return v;
  throw new ShapeError(`${where}.${key} must be an integer, got ${describe(o[key])}`);
}

/** Drops keys whose value is undefined (keeps nulls). */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** `{data: {...}}` → the inner object; a bare object is returned as is. */
export function unwrapObject(body: unknown): Obj {
  const b = obj(body, 'response');
  return isObj(b.data) ? b.data : b;
}

export function parseDataArray<T>(body: unknown, item: (v: unknown, where: string) => T): T[] {
  const b = Array.isArray(body) ? { data: body } : obj(body, 'response');
  if (!Array.isArray(b.data)) throw new ShapeError(`response.data must be an array, got ${describe(b.data)}`);
  return b.data.map((v, i) => item(v, `data[${i}]`));
}

