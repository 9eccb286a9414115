/** Helpers for the few server-rendered pages (ops console, demo shop, the sandboxes' payment pages). */

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * JSON for a `<script type="application/json">` block or an inline script: `<`, `>`, `&` and the
 * line separators are escaped, so no value can close the script element.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A decimal string with thousands separators, digits untouched: "1537.50" → "1,537.50" (never through a float). */
export function groupThousands(amount: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(amount);
  if (!m) return amount;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

/** A timestamp as every page shows it: UTC to the second, "2026-11-30 04:45:12 UTC". */
export function utcTime(at: string | Date): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return String(at);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * Rules the ops console, the demo shop and the EccaEx hosted page share; each page's own
 * stylesheet follows them.
 */
export const BASE_CSS = `*,*::before,*::after{box-sizing:border-box}
a{color:#1d4ed8}
`;

export interface HtmlDocument {
  /** Plain text; escaped here. */
  title: string;
  /** The page's stylesheet, inlined (no external assets). */
  css: string;
  /** Markup for <head> after the stylesheet, e.g. a deferred script; ends with a newline. */
  head?: string;
  /** The markup of <body>. */
  body: string;
}

/** One shell for every server-rendered page: UTF-8, mobile viewport, not indexed, one inline stylesheet. */
export function htmlDocument(d: HtmlDocument): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="/favicon.ico">
<title>${escapeHtml(d.title)}</title>
<style>${d.css}</style>
${d.head ?? ''}</head>
<body>
${d.body}
</body>
</html>`;
}
