import { checkHttpUrl } from '../../config/env';
import { SandboxError } from './errors';
/** Request amounts: at most 2 decimal places, at most 12 integer digits (numeric(14,2)). */
export const AMOUNT_RE = /^\d{1,12}(\.\d{1,2})?$/;

/** Collects every field problem, then throws one 422 VALIDATION_ERROR naming them all. */
export class Fields {
  readonly errors: Record<string, string[]> = {};

  add(field: string, message: string): void {
    (this.errors[field] ??= []).push(message);
  }

  get ok(): boolean {
    return Object.keys(this.errors).length === 0;
  }

  throwIfAny(): void {
    if (!this.ok) throw SandboxError.validation(this.errors);
  }
}

export type Obj = Record<string, unknown>;

export function bodyObject(body: unknown): Obj {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw SandboxError.validation({ body: ['the body must be a JSON object'] });
  }
  return body as Obj;
}

const present = (v: unknown) => v !== undefined && v !== null;

export function requiredString(f: Fields, o: Obj, name: string, max: number, pattern?: RegExp, patternMsg?: string): string | undefined {
  const v = o[name];
  if (!present(v) || v === '') {
    f.add(name, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') {
    f.add(name, 'must be a string');
    return undefined;
  }
  if (v.trim() === '') {
    f.add(name, 'must not be blank');
    return undefined;
  }
  if (v.length > max) f.add(name, `must be at most ${max} characters`);
  if (pattern && !pattern.test(v)) f.add(name, patternMsg ?? 'has an invalid format');
  return v;
}

export function optionalString(f: Fields, o: Obj, name: string, max: number): string | undefined {
  const v = o[name];
  if (!present(v)) return undefined;
  if (typeof v !== 'string') {
    f.add(name, 'must be a string');
    return undefined;
  }
  if (v.length > max) f.add(name, `must be at most ${max} characters`);
  return v;
}

export function optionalUrl(f: Fields, o: Obj, name: string): string | undefined {
  const v = o[name];
  if (!present(v) || v === '') return undefined;
  if (typeof v !== 'string') {
    f.add(name, 'must be a string');
    return undefined;
  }
  if (v.length > 2048) {
    f.add(name, 'must be at most 2048 characters');
    return undefined;
  }
  const problem = checkHttpUrl(v);
  if (problem) {
    f.add(name, `must be an absolute http(s) URL (${problem})`);
    return undefined;
  }
  return v;
}

/** Decimal string, > 0, at most 2 decimal places (API.md §2.1). Numbers are refused: money is a string. */
export function amountString(f: Fields, o: Obj, name: string, required: boolean): string | undefined {
  const v = o[name];
  if (!present(v) || v === '') {
    if (required) f.add(name, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') {
    f.add(name, 'must be a string with at most 2 decimal places, e.g. "1500.00"');
    return undefined;
  }
  if (!AMOUNT_RE.test(v)) {
    f.add(name, 'must be a decimal string with at most 2 decimal places, e.g. "1500.00"');
    return undefined;
  }
  if (/^0+(\.0+)?$/.test(v)) {
    f.add(name, 'must be greater than 0');
    return undefined;
  }
  return v;
}

/** Query integer within [min, max]; absent → default. */
export function queryInt(f: Fields, q: Obj, name: string, def: number, min: number, max: number): number {
  const v = q[name];
  if (v === undefined || v === '') return def;
  if (typeof v !== 'string' || !/^\d{1,9}$/.test(v)) {
    f.add(name, 'must be a whole number');
    return def;
  }
  const n = Number(v);
  if (n < min || n > max) f.add(name, `must be between ${min} and ${max}`);
  return n;
}

export function queryEnum<T extends string>(f: Fields, q: Obj, name: string, allowed: readonly T[]): T | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    f.add(name, `must be one of ${allowed.join(', ')}`);
    return undefined;
  }
  return v as T;
}
