/**
 * The ops console's HTML shell: no data and no key in it (the key is typed into the page and kept
 * in sessionStorage). The views are drawn by the console's bundle (src/ops/console, built to
 * /ops/assets/app.js and app.css) from the ops API.
 */

export function opsShellPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Ops console · Payments</title>
<link rel="stylesheet" href="/ops/assets/app.css">
</head>
<body>
<header class="top">
<span class="brand">Payments ops</span>
<nav aria-label="Sections"><a href="#/orders" data-nav="orders">Orders</a><a href="#/review" data-nav="review">Review queue</a><a href="#/withdrawals" data-nav="withdrawals">Withdrawals</a></nav>
<button type="button" id="forget-key" hidden>Forget key</button>
</header>
<main id="app">
<noscript><p>The ops console needs JavaScript. The same data is in the ops API (see /docs).</p></noscript>
<p class="muted">Loading…</p>
</main>
<script src="/ops/assets/app.js" defer></script>
</body>
</html>`;
}

/** Said instead of the console when its bundle was never built (a checkout run without `npm run build`). */
export function opsNotBuiltPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Ops console not built · Payments</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
<h1>The ops console is not built</h1>
<p>Its browser code is built into <code>dist/pages/ops/</code> by <code>npm run build</code> (which <code>npm start</code> runs). Run it, then reload this page.</p>
<p>The ops API itself works without it: see <a href="/docs">/docs</a>.</p>
</body>
</html>`;
}
