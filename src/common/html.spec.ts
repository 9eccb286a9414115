import { escapeHtml, htmlHead } from './html';

describe('htmlHead', () => {
  it('is the head of an HTML5 page: charset, viewport, not indexed, the escaped title, one inline stylesheet', () => {
    const head = htmlHead('A <b>&</b> "page"', 'main{padding:1rem}');
    expect(head).toBe(`<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml('A <b>&</b> "page"')}</title>
<style>main{padding:1rem}</style>
</head>`);
    expect(head).not.toContain('<b>');
  });

  it('puts extra markup (a deferred script) after the stylesheet', () => {
    expect(htmlHead('t', '', '<script src="/x.js" defer></script>\n')).toContain('<style></style>\n<script src="/x.js" defer></script>\n</head>');
  });
});
