import { BASE_CSS, escapeHtml, groupThousands, htmlDocument, jsonForScript, utcTime } from '../../common/html';
import { Product, PRODUCTS, STATUS_LABEL, STATUS_TEXT } from './catalog';
import { GatewayGroup } from './payment-options';

const money = (amount: string, currency: string) => `${groupThousands(amount)} ${currency}`;

/**
 * The demo shop's pages: server-rendered, inline CSS, no external assets. The status pages carry
 * a small inline script that polls the shop's own JSON endpoint (never the API: no key in the
 * browser) until the order is terminal; without JavaScript they still show the status at load.
 */

const CSS = `
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f6f7f9}
header.top{background:#111827;color:#fff;padding:.75rem 1rem}
header.top a{color:#fff;text-decoration:none;font-weight:700}
main{max-width:48rem;margin:0 auto;padding:1rem}
.sandbox{background:#fff3cd;color:#5c4400;border:1px solid #e0c36a;border-radius:.5rem;padding:.5rem .75rem;font-size:.875rem;margin:0 0 1rem}
h1{font-size:1.5rem;margin:.25rem 0 1rem}
h2{font-size:1.125rem;margin:0 0 .25rem}
.products{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem;margin-bottom:1rem}
.card{background:#fff;border-radius:.75rem;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12);margin-bottom:1rem}
.price{font-size:1.5rem;font-weight:700;margin:.5rem 0;font-variant-numeric:tabular-nums}
.muted{color:#4b5563}
label{display:block;font-weight:600;margin-bottom:.25rem}
input[type=text]{font:inherit;width:100%;max-width:20rem;padding:.5rem .625rem;border:1px solid #6b7280;border-radius:.375rem}
.hint{font-size:.875rem;color:#4b5563;margin:.25rem 0 0}
button,.button{display:inline-block;font:inherit;font-weight:600;min-height:2.75rem;padding:.5rem 1.25rem;border-radius:.5rem;border:2px solid transparent;background:#1d4ed8;color:#fff;cursor:pointer;text-decoration:none}
button:hover,.button:hover{background:#1e40af}
button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
.status-line{font-size:1.125rem;margin:.5rem 0}
.badge{display:inline-block;padding:.125rem .625rem;border-radius:999px;font-weight:700;background:#e5e7eb;color:#1f2937}
.s-paid{background:#dcfce7;color:#14532d}
.s-failed,.s-expired,.s-canceled{background:#fee2e2;color:#7f1d1d}
.s-awaiting_payment,.s-pending{background:#dbeafe;color:#1e3a8a}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:.75rem 0}
dl div{display:contents}
dt{color:#4b5563}dd{margin:0;overflow-wrap:anywhere}
.error{border-left:4px solid #b91c1c}
fieldset{border:0;padding:0;margin:0 0 1rem}
legend{font-weight:700;margin-bottom:.5rem}
.option{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:flex-start;border:1px solid #d1d5db;border-radius:.5rem;padding:.75rem;margin-bottom:.5rem;cursor:pointer;background:#fff;font-weight:400}
.option:focus-within{outline:3px solid #2563eb;outline-offset:2px}
.option input{margin-top:.3rem;width:1.25rem;height:1.25rem;flex:none}
.option span{display:block}
.option .what{flex:1 1 12rem;min-width:0}
.option .to-pay{font-weight:700;font-variant-numeric:tabular-nums;margin-left:auto;white-space:nowrap;padding-left:2rem}
.alt{font-size:.9375rem;color:#4b5563;margin:-.25rem 0 .75rem}
dd.money{font-variant-numeric:tabular-nums}
code{overflow-wrap:anywhere}
`;

function layout(title: string, body: string, script = ''): string {
  return htmlDocument({
    title: `${title} · Demo shop`,
    css: BASE_CSS + CSS,
    body: `<header class="top"><a href="/sandbox/shop">Demo shop</a></header>
<main>
<p class="sandbox" role="note">Sandbox demo: orders go through this service's real storefront API to the sandbox gateway. No real money moves.</p>
${body}
</main>${script ? `\n<script>${script}</script>` : ''}`,
  });
}

export function shopIndexPage(customerId: string): string {
  const cards = PRODUCTS.map(
    (p) => `<article class="card" aria-labelledby="p-${escapeHtml(p.sku)}">
<h2 id="p-${escapeHtml(p.sku)}">${escapeHtml(p.name)}</h2>
<p class="muted">${escapeHtml(p.blurb)}</p>
<p class="price">${escapeHtml(money(p.amount, p.currency))}</p>
<p class="alt">or ${escapeHtml(money(p.usd, 'USD'))} where you pay in dollars</p>
<button type="submit" name="sku" value="${escapeHtml(p.sku)}" aria-label="Buy ${escapeHtml(p.name)} for ${escapeHtml(money(p.amount, p.currency))}">Buy</button>
</article>`,
  ).join('\n');
  return layout(
    'Products',
    `<h1>Products</h1>
<form method="get" action="/sandbox/shop/checkout">
<div class="card">
<label for="customer_id">Customer id</label>
<input type="text" id="customer_id" name="customer_id" value="${escapeHtml(customerId)}" maxlength="128" required autocomplete="off" aria-describedby="customer-hint">
<p class="hint" id="customer-hint">Any name you like; ops can search orders by it.</p>
</div>
<div class="products">
${cards}
</div>
</form>
<p class="muted">Buy lets you choose how to pay; the order is then created with <code>POST /v1/orders</code> and you go to that gateway's payment page.</p>`,
  );
}

/** The ways to pay one product, as the service's gateways that are on offer them. */
export function shopCheckoutPage(product: Product, customerId: string, groups: GatewayGroup[]): string {
  let first = true;
  const fieldsets = groups
    .map((g) => {
      const options = g.options
        .map((o) => {
          const id = `pay-${o.value.replace(/[^A-Za-z0-9_-]/g, '-')}`;
          const checked = first ? ' checked' : '';
          first = false;
          return `<label class="option" for="${escapeHtml(id)}">
<input type="radio" id="${escapeHtml(id)}" name="pay" value="${escapeHtml(o.value)}"${checked} required>
<span class="what"><strong>${escapeHtml(o.label)}</strong><span class="muted">${escapeHtml(o.detail)}</span></span>
<span class="to-pay">${escapeHtml(money(o.amount, o.currency))}</span>
</label>`;
        })
        .join('\n');
      return `<fieldset data-provider="${escapeHtml(g.provider)}">
<legend>${escapeHtml(g.title)}</legend>
${options}
</fieldset>`;
    })
    .join('\n');
  const body = groups.length
    ? `<form method="post" action="/sandbox/shop/buy">
<input type="hidden" name="sku" value="${escapeHtml(product.sku)}">
<input type="hidden" name="customer_id" value="${escapeHtml(customerId)}">
${fieldsets}
<button type="submit">Continue to payment</button>
</form>`
    : `<p role="status">No way to pay this product is available right now. Try again in a minute.</p>`;
  return layout(
    'How to pay',
    `<h1>How would you like to pay?</h1>
<section class="card" aria-labelledby="checkout-item">
<h2 id="checkout-item">${escapeHtml(product.name)}</h2>
<p class="price">${escapeHtml(money(product.amount, product.currency))}</p>
<p class="muted">Buying as <code>${escapeHtml(customerId)}</code></p>
</section>
<section class="card" aria-label="Ways to pay">
${body}
</section>
<p><a href="/sandbox/shop">Back to the shop</a></p>`,
  );
}

export function shopErrorPage(title: string, message: string, extra: { code?: string; requestId?: string | null; orderId?: unknown } = {}): string {
  const rows = [
    extra.code ? `<div><dt>Error code</dt><dd><code>${escapeHtml(extra.code)}</code></dd></div>` : '',
    typeof extra.orderId === 'string' ? `<div><dt>Order</dt><dd><code>${escapeHtml(extra.orderId)}</code></dd></div>` : '',
    extra.requestId ? `<div><dt>Request id</dt><dd><code>${escapeHtml(extra.requestId)}</code></dd></div>` : '',
  ].join('');
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
<section class="card error" role="alert">
<p>${escapeHtml(message)}</p>
${rows ? `<dl>${rows}</dl>` : ''}
</section>
<p><a href="/sandbox/shop">Back to the shop</a></p>`,
  );
}

/** What the shop's JSON endpoint answers about an order (no ids beyond the shop's own number). */
export interface ShopOrderView {
  order: string;
  status: string;
  terminal: boolean;
  provider: string;
  /** How people write the gateway's name (GET /v1/gateways `label`; else the provider value). */
  provider_label: string;
  amount: string;
  currency: string;
  description: string | null;
  paid_at: string | null;
  method: string | null;
  /** The method's name as its gateway lists it (else its code). */
  method_name: string | null;
  /** What the buyer paid (the order's amount plus the commission they paid), where the gateway reports it; paid orders only. */
  amount_paid: string | null;
  /** The unit of amount_paid: the order's currency, or a coin. */
  paid_currency: string | null;
  commission: string | null;
  /** Only while the order still waits for a payment. */
  payment_link: string | null;
}

const POLL = `
(function(){
  var root=document.getElementById('order-status');if(!root||!window.fetch)return;
  var ref=root.getAttribute('data-order');
  var TEXT=JSON.parse(document.getElementById('status-texts').textContent);
  var badge=document.getElementById('status');
  var title=document.getElementById('status-title');
  var note=document.getElementById('status-note');
  var checked=document.getElementById('last-checked');
  var payLink=document.getElementById('pay-link');
  var started=Date.now(),delay=1000,stopAfter=15*60*1000;
  function utc(d){return d.toISOString().slice(11,19)+' UTC';}
  function show(o){
    var t=TEXT.pages[o.status]||{title:'Order status',note:''};
    if(root.getAttribute('data-status')!==o.status){badge.textContent=TEXT.labels[o.status]||'Unknown';badge.className='badge s-'+o.status;title.textContent=t.title;note.textContent=t.note;}
    root.setAttribute('data-status',o.status);
    if(payLink){if(o.payment_link){payLink.hidden=false;payLink.querySelector('a').setAttribute('href',o.payment_link);}else{payLink.hidden=true;}}
  }
  function stamp(text){checked.textContent=text;}
  function next(){
    if(Date.now()-started>stopAfter){stamp('Stopped checking after 15 minutes; reload the page to check again.');return;}
    delay=Math.min(delay*1.25,5000);setTimeout(poll,delay);
  }
  function poll(){
    fetch('/sandbox/shop/orders/'+encodeURIComponent(ref),{headers:{accept:'application/json'},cache:'no-store',credentials:'same-origin'})
      .then(function(r){return r.json().then(function(b){return {ok:r.ok,body:b};});})
      .then(function(x){
        if(!x.ok){stamp('Could not check the order: '+((x.body&&x.body.error&&x.body.error.message)||'error')+'. Retrying.');next();return;}
        show(x.body);
        // Final: the page is shown again from the server, with the receipt (what was paid, how, when).
        if(x.body.terminal){root.setAttribute('data-final','true');stamp('Final status.');location.reload();return;}
        stamp('Last checked '+utc(new Date())+'; checking again shortly.');next();
      })
      .catch(function(){stamp('Could not reach the shop; retrying.');next();});
  }
  if(root.getAttribute('data-final')!=='true')poll();
})();`;

/** The receipt's rows once the order is paid: how, what the buyer paid with the commission, when. */
function paidRows(view: ShopOrderView): string {
  const rows: string[] = [];
  if (view.method_name) rows.push(`<div><dt>${view.status === 'paid' ? 'Paid with' : 'Payment method'}</dt><dd>${escapeHtml(view.method_name)} (${escapeHtml(view.provider_label)})</dd></div>`);
  if (view.status === 'paid' && view.amount_paid) {
    const extra = view.commission ? ` <span class="muted">(incl. ${escapeHtml(money(view.commission, view.currency))} commission)</span>` : '';
    rows.push(`<div><dt>You paid</dt><dd class="money" id="amount-paid">${escapeHtml(money(view.amount_paid, view.paid_currency ?? view.currency))}${extra}</dd></div>`);
  }
  if (view.status === 'paid' && view.paid_at) rows.push(`<div><dt>Paid at</dt><dd>${escapeHtml(utcTime(view.paid_at))}</dd></div>`);
  return rows.join('\n');
}

export function shopStatusPage(kind: 'success' | 'fail', ref: string | undefined, view: ShopOrderView | null, problem?: string): string {
  const docTitle = kind === 'success' ? 'Thank you' : 'Payment not completed';
  const intro =
    kind === 'success'
      ? 'You are back from the payment page. The status below is what the payments service has confirmed, not just what the page said.'
      : 'You are back from the payment page without a completed payment. The status below is what the payments service knows.';
  if (!ref) {
    return layout(
      docTitle,
      `<h1>${escapeHtml(docTitle)}</h1>
<section class="card" role="status">
<p>This link names no order (<code>?order=…</code>), so there is no status to show.</p>
<p class="muted">Orders created from the demo shop come back here with their number; an order created another way (for example with the <code>curl</code> line of the start-up banner) can be looked up in the <a href="/ops">ops console</a>.</p>
</section>
<p><a href="/sandbox/shop">Back to the shop</a></p>`,
    );
  }
  if (!view) {
    return layout(
      docTitle,
      `<h1>${escapeHtml(docTitle)}</h1>
<section class="card error" role="alert"><p>${escapeHtml(problem ?? 'Order not found.')}</p><p>Order <code>${escapeHtml(ref)}</code></p></section>
<p><a href="/sandbox/shop">Back to the shop</a></p>`,
    );
  }
  const t = STATUS_TEXT[view.status] ?? { title: 'Order status', note: '' };
  const texts = jsonForScript({ pages: STATUS_TEXT, labels: STATUS_LABEL });
  return layout(
    docTitle,
    `<p class="muted">${escapeHtml(intro)}</p>
<section class="card" id="order-status" data-order="${escapeHtml(view.order)}" data-status="${escapeHtml(view.status)}" data-final="${view.terminal}" aria-labelledby="status-title">
<div aria-live="polite" aria-atomic="true">
<h1 id="status-title">${escapeHtml(t.title)}</h1>
<p class="status-line">Order status: <span id="status" class="badge s-${escapeHtml(view.status)}">${escapeHtml(STATUS_LABEL[view.status] ?? 'Unknown')}</span></p>
<p id="status-note">${escapeHtml(t.note)}</p>
</div>
<dl id="receipt">
<div><dt>Order</dt><dd><code>${escapeHtml(view.order)}</code></dd></div>
<div><dt>Item</dt><dd>${escapeHtml(view.description ?? '')}</dd></div>
<div><dt>Price</dt><dd class="money">${escapeHtml(money(view.amount, view.currency))}</dd></div>
${paidRows(view)}
</dl>
<p id="pay-link"${view.payment_link ? '' : ' hidden'}><a class="button" href="${escapeHtml(view.payment_link ?? '#')}">Back to the payment page</a></p>
<p class="muted" id="last-checked">${view.terminal ? 'Final status.' : 'Checking for updates…'}</p>
</section>
<p><a href="/sandbox/shop">Back to the shop</a></p>
<script type="application/json" id="status-texts">${texts}</script>`,
    POLL,
  );
}
