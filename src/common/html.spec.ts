import { BASE_CSS, escapeHtml, htmlDocument } from './html';

describe('htmlDocument', () => {
  const html = htmlDocument({ title: 'A <b>&</b> "page"', css: `${BASE_CSS}main{padding:1rem}`, head: '<script src="/x.js" defer></script>\n', body: '<main>hi</main>' });

  it('is one HTML5 document: charset, viewport, not indexed, the escaped title', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<meta name="robots" content="noindex">');
    expect(html).toContain(`<title>${escapeHtml('A <b>&</b> "page"')}</title>`);
    expect(html).not.toContain('<b>');
  });

  it('inlines the one stylesheet, then the extra head markup, then the body', () => {
    expect(html).toContain(`<style>${BASE_CSS}main{padding:1rem}</style>\n<script src="/x.js" defer></script>\n</head>\n<body>\n<main>hi</main>\n</body>\n</html>`);
    expect(html.match(/<style>/g)).toHaveLength(1);
  });

  it('has no extra head markup when none is given', () => {
    expect(htmlDocument({ title: 't', css: '', body: '' })).toContain('<style></style>\n</head>');
  });
});
