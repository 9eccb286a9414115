import type { FastifyInstance } from 'fastify';
import { Settings } from '../config/settings';
import { sandboxed } from '../sandbox/sandbox.module';
import { BASE_CSS, escapeHtml, htmlDocument } from './html';

const HOME_CSS = `
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f6f7f9}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem}
h1{font-size:1.5rem;margin:0 0 .5rem}
ul{list-style:none;padding:0;margin:1rem 0}
li{background:#fff;border-radius:.75rem;padding:1rem 1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12);margin-bottom:.75rem}
li a{font-weight:700;font-size:1.125rem;color:#1d4ed8;display:block}
li span{color:#4b5563}
a:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
code{overflow-wrap:anywhere}
`;

/**
 * A 16×16 icon (ICO holding one 32-bit BMP): a blue rounded square with a white bar, the pages'
 * colours. Built once at start; served for /favicon.ico, which browsers ask for on every page.
 */
export function faviconIco(): Buffer {
  const size = 16;
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const row = size - 1 - y; // BMP rows run bottom-up
      const i = (row * size + x) * 4;
      const corner = (x === 0 || x === size - 1) && (y === 0 || y === size - 1);
      const bar = y >= 7 && y <= 8 && x >= 4 && x <= 11;
      const [b, g, r, a] = corner ? [0, 0, 0, 0] : bar ? [255, 255, 255, 255] : [0xd8, 0x4e, 0x1d, 255];
      pixels.writeUInt8(b, i);
      pixels.writeUInt8(g, i + 1);
      pixels.writeUInt8(r, i + 2);
      pixels.writeUInt8(a, i + 3);
    }
  }
  const mask = Buffer.alloc(size * 4); // AND mask, 1 bit a pixel, rows padded to 4 bytes: all opaque (alpha decides)
  const info = Buffer.alloc(40);
  info.writeUInt32LE(40, 0);
  info.writeInt32LE(size, 4);
  info.writeInt32LE(size * 2, 8); // colour + mask
  info.writeUInt16LE(1, 12);
  info.writeUInt16LE(32, 14);
  info.writeUInt32LE(pixels.length + mask.length, 20);
  const image = Buffer.concat([info, pixels, mask]);
  const dir = Buffer.alloc(6 + 16);
  dir.writeUInt16LE(0, 0);
  dir.writeUInt16LE(1, 2); // icon
  dir.writeUInt16LE(1, 4); // one image
  dir.writeUInt8(size, 6);
  dir.writeUInt8(size, 7);
  dir.writeUInt16LE(1, 10);
  dir.writeUInt16LE(32, 12);
  dir.writeUInt32LE(image.length, 14);
  dir.writeUInt32LE(dir.length, 18);
  return Buffer.concat([dir, image]);
}

/** GET /: where to go from here (the pages and the API docs), instead of a 404. */
export function homePage(settings: Settings): string {
  const sandboxes = sandboxed(settings);
  const link = (href: string, text: string, note: string) => `<li><a href="${escapeHtml(href)}">${escapeHtml(text)}</a><span>${escapeHtml(note)}</span></li>`;
  const items = [
    sandboxes.length ? link('/sandbox/shop', 'Demo shop', 'buy a product and pay on a sandbox payment page') : '',
    link('/ops', 'Ops console', 'orders, timelines, reconcile, withdrawals (needs an ops key)'),
    link('/docs', 'API documentation', 'every route, with the OpenAPI document at /docs-json'),
    link('/health/ready', 'Readiness', 'database reachable and migrations applied'),
  ].join('\n');
  return htmlDocument({
    title: 'Merchant payments service',
    css: BASE_CSS + HOME_CSS,
    body: `<main>
<h1>Merchant payments service</h1>
<p>This is the payments API. People usually want one of these pages:</p>
<ul>
${items}
</ul>
<p>Storefronts call <code>POST /v1/orders</code> with a storefront key; see the API documentation.</p>
</main>`,
  });
}

/** `GET /` (a page of links) and `GET /favicon.ico`: neither is a 404. */
export function registerHome(fastify: FastifyInstance, settings: Settings): void {
  const icon = faviconIco();
  const html = homePage(settings);
  fastify.get('/favicon.ico', async (_req, reply) => {
    void reply.header('cache-control', 'public, max-age=86400').type('image/x-icon');
    return icon;
  });
  fastify.get('/', async (_req, reply) => {
    void reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
    return html;
  });
}
