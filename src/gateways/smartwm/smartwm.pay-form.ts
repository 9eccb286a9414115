import type { CustomerPaymentPage } from '../gateway.port';

/**
 * A DPAY `pay_form` (an HTML form the customer must submit) read into its action, method and
 * fields, so the service serves its own page that submits them (every value escaped again there)
 * and never echoes the gateway's HTML. Tolerant of attribute quoting and case; only a form whose
 * action is an absolute http(s) URL is taken.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** The attributes of one tag's inside (`method="POST" action='x' disabled`), names lower-cased, values decoded. */
export function tagAttributes(inside: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (const m of inside.matchAll(re)) {
    const name = m[1]!.toLowerCase();
    if (!(name in attrs)) attrs[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** Input types whose value a plain submit does not send. */
const NOT_SENT = new Set(['submit', 'button', 'image', 'reset', 'file']);

/** The first form of `html`, or null when there is none or its action is not an absolute http(s) URL. */
export function parsePayForm(html: string): Extract<CustomerPaymentPage, { kind: 'form' }> | null {
  const open = /<form\b([^>]*)>/i.exec(html);
  if (!open) return null;
  const attrs = tagAttributes(open[1]!);
  const action = (attrs.action ?? '').trim();
  let url: URL;
  try {
    url = new URL(action);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const method = (attrs.method ?? 'get').trim().toUpperCase() === 'POST' ? 'POST' : 'GET';
  const rest = html.slice(open.index + open[0].length);
  const close = rest.search(/<\/form\s*>/i);
  const body = close === -1 ? rest : rest.slice(0, close);
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<input\b([^>]*)>/gi)) {
    const a = tagAttributes(m[1]!);
    if (!a.name || NOT_SENT.has((a.type ?? 'text').toLowerCase()) || 'disabled' in a) continue;
    if (!(a.name in fields)) fields[a.name] = a.value ?? '';
  }
  return { kind: 'form', action: url.toString(), method, fields };
}
