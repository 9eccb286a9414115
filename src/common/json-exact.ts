import Decimal from 'decimal.js';

/**
 * JSON with exact numbers. `JSON.parse` turns `5000.10` into the nearest double; money written
 * as a JSON number must be read from its source text instead. On Node.js 22+ the reviver gets
 * each primitive's source text (`context.source`) and `JSON.rawJSON` writes a number's text back
 * as is, so the grammar stays JSON.parse's own and only numbers change representation.
 */

/** A JSON number, kept as the exact text it was written with. */
export class JsonNumber {
  constructor(readonly source: string) {
    if (!NUMBER_RE.test(source)) throw new SyntaxError(`not a JSON number: ${JSON.stringify(source.slice(0, 40))}`);
  }

  toString(): string {
    return this.source;
  }

  /** JSON.stringify writes the source text unchanged (`5000.00` stays `5000.00`). */
  toJSON(): unknown {
    requireSourceTextAccess();
    return (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(this.source);
  }
}

export type ExactJson = null | boolean | string | JsonNumber | ExactJson[] | { [key: string]: ExactJson };

const NUMBER_RE = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const supported = ((): boolean => {
  let seen = false;
  (JSON.parse as (text: string, reviver: Reviver) => unknown)('1', (_key, value, context) => {
    seen = typeof context?.source === 'string';
    return value;
  });
  return seen && typeof (JSON as { rawJSON?: unknown }).rawJSON === 'function';
})();

/** Throws, naming what is missing, on a runtime that cannot read or write numbers exactly (call it at start-up). */
export function requireSourceTextAccess(): void {
  if (!supported) {
    throw new Error(`exact JSON numbers need JSON.parse source text access and JSON.rawJSON (Node.js 22 or later); this is Node.js ${process.version}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a JSON text (a string, or bytes as UTF-8; invalid UTF-8 is a SyntaxError); every number
 * comes back as a JsonNumber holding its source text. Everything else is as JSON.parse gives it.
 */
export function parseExactJson(input: string | Uint8Array): ExactJson {
  requireSourceTextAccess();
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = utf8.decode(input);
    } catch {
      throw new SyntaxError('JSON text is not valid UTF-8');
    }
  }
  return (JSON.parse as (text: string, reviver: Reviver) => ExactJson)(text, (_key, value, context) =>
    typeof value === 'number' ? new JsonNumber(context!.source!) : value,
  );
}

/** JSON.stringify, with every JsonNumber written as its source text. */
export function stringifyExactJson(value: unknown): string {
  requireSourceTextAccess();
  return JSON.stringify(value);
}

export function isJsonObject(value: unknown): value is { [key: string]: ExactJson } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof JsonNumber);
}

const DECIMAL_STRING_RE = /^-?\d+(\.\d+)?$/;

/**
 * The exact decimal a JSON value states, in plain notation: a JsonNumber (`5000.00`, `5e3` →
 * `5000`) or a decimal string (`"5000.00"`); null for anything else. Trailing zeros are kept as written.
 */
export function decimalOf(value: unknown): string | null {
  if (value instanceof JsonNumber) {
    const exponent = /[eE]([+-]?\d+)$/.exec(value.source);
    if (!exponent) return value.source;
    // A huge exponent would write a huge string; no amount needs one.
    if (exponent[1]!.replace(/^[+-]?0*/, '').length > 2) return null;
    return new Decimal(value.source).toFixed();
  }
  return typeof value === 'string' && DECIMAL_STRING_RE.test(value) ? value : null;
}
