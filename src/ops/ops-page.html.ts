import { htmlHead } from '../common/html';

/**
 * The ops console's HTML shell: no data and no key in it (the key is typed into the page and kept
 * in sessionStorage); /ops/app.js draws the views from the ops API.
 */

const CSS = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f3f4f6}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;background:#0f172a;color:#fff;padding:.625rem 1rem}
.brand{font-weight:700}
header nav{display:flex;gap:1rem;flex:1}
header nav a{color:#e2e8f0;text-decoration:none;padding:.25rem 0;border-bottom:2px solid transparent}
header nav a[aria-current=page]{color:#fff;border-bottom-color:#60a5fa}
header button{font:inherit;background:transparent;color:#fff;border:1px solid #94a3b8;border-radius:.375rem;padding:.25rem .75rem;cursor:pointer}
main{max-width:80rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.25rem 0 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}
h1:focus{outline:none}
h2{font-size:1.125rem;margin:0 0 .5rem}
.card{background:#fff;border-radius:.5rem;padding:1rem;box-shadow:0 1px 2px rgba(0,0,0,.1);margin-bottom:1rem}
.narrow{max-width:28rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input,select{font:inherit;padding:.4rem .5rem;border:1px solid #6b7280;border-radius:.375rem;width:100%;background:#fff}
.search{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-start}
.field{min-width:10rem}
.field.grow{flex:1 1 18rem}
.field button{margin-top:1.6rem}
.hint{font-size:.8125rem;color:#4b5563;margin:.25rem 0 .5rem}
button{font:inherit;font-weight:600;border-radius:.375rem;padding:.45rem 1rem;cursor:pointer;border:1px solid transparent}
button.primary{background:#1d4ed8;color:#fff}
button.secondary{background:#fff;color:#1f2937;border-color:#6b7280}
button:disabled{opacity:.6;cursor:progress}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-bottom:1rem}
.alert{background:#fef2f2;border:1px solid #fca5a5;border-left:4px solid #b91c1c;color:#7f1d1d;border-radius:.375rem;padding:.5rem .75rem;margin:.5rem 0}
.alert p{margin:.125rem 0}
.ok{background:#f0fdf4;border:1px solid #86efac;border-left:4px solid #15803d;color:#14532d;border-radius:.375rem;padding:.5rem .75rem;margin:.5rem 0}
.muted{color:#4b5563}
a{color:#1d4ed8}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.875rem}
caption{text-align:left;color:#4b5563;padding:.25rem 0}
th,td{text-align:left;vertical-align:top;padding:.375rem .5rem;border-bottom:1px solid #e5e7eb}
th{background:#f9fafb;font-weight:600;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8125rem}
td.mono{overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f9fafb;border:1px solid #e5e7eb;border-radius:.25rem;padding:.5rem;margin:.25rem 0;max-height:20rem;overflow:auto}
details summary{cursor:pointer;color:#1d4ed8}
.attempts{margin:.25rem 0;padding-left:1.25rem}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.summary div{display:contents}
dt{color:#4b5563}dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 .5rem;border-radius:999px;font-weight:700;font-size:.8125rem;background:#e5e7eb;color:#1f2937;white-space:nowrap}
.s-paid,.s-processed,.s-delivered,.s-success,.s-completed{background:#dcfce7;color:#14532d}
.s-failed,.s-expired,.s-canceled,.s-cancelled,.s-dead,.s-abandoned,.s-conflict{background:#fee2e2;color:#7f1d1d}
.s-awaiting_payment,.s-pending,.s-received,.s-delivering{background:#dbeafe;color:#1e3a8a}
.s-unmatched{background:#fef3c7;color:#78350f}
@media (max-width:40rem){dl.summary{grid-template-columns:1fr}dl.summary dt{margin-top:.375rem}}
`;

export function opsShellPage(): string {
  return `<!doctype html>
<html lang="en">
${htmlHead('Ops console · Payments', CSS)}
<body>
<header class="top">
<span class="brand">Payments ops</span>
<nav aria-label="Sections"><a href="#/orders" data-nav="orders">Orders</a><a href="#/withdrawals" data-nav="withdrawals">Withdrawals</a></nav>
<button type="button" id="forget-key" hidden>Forget key</button>
</header>
<main id="app">
<noscript><p>The ops console needs JavaScript. The same data is in the ops API (see /docs).</p></noscript>
<p class="muted">Loading…</p>
</main>
<script src="/ops/app.js" defer></script>
</body>
</html>`;
}
