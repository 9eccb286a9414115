import { BASE_CSS, escapeHtml, groupThousands, htmlDocument, utcTime } from '../../common/html';
import { amountWithClientCommission, clientCommissionAmount, money, percent } from './format';
import type { InvoiceRow, MethodRow } from './store';

/** Money as the page shows it: two decimals, thousands separated, the currency after. */
const shown = (amount: string, currency: string) => `${groupThousands(money(amount))} ${currency}`;

/**
 * The hosted payment page: server-rendered, no external assets, inline CSS, a small optional
 * script for the countdown. Plain forms, so it works without JavaScript.
 */

const CSS = `
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f3f4f6}
main{max-width:32rem;margin:0 auto;padding:1rem}
.card{background:#fff;border-radius:.75rem;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12);margin-bottom:1rem}
h1{font-size:1.375rem;margin:0 0 .75rem}
h2{font-size:1.125rem;margin:0 0 .5rem}
.sandbox{background:#fff3cd;color:#5c4400;border:1px solid #e0c36a;border-radius:.5rem;padding:.5rem .75rem;font-size:.875rem;margin-bottom:1rem}
.amount{font-size:1.75rem;font-weight:700;margin:.25rem 0}
.muted{color:#4b5563;font-size:.9375rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0}
dl div{display:contents}
dt{color:#4b5563}dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
.total dt,.total dd{font-weight:700;color:#1a1a1a;border-top:1px solid #e5e7eb;padding-top:.25rem}
fieldset{border:0;padding:0;margin:0 0 1rem}
legend{font-weight:600;margin-bottom:.5rem}
.method{display:flex;gap:.75rem;align-items:flex-start;border:1px solid #d1d5db;border-radius:.5rem;padding:.75rem;margin-bottom:.5rem;cursor:pointer}
.method:focus-within{outline:3px solid #2563eb;outline-offset:2px}
.method input{margin-top:.3rem;width:1.25rem;height:1.25rem;flex:none}
.method span{display:block}
button{display:block;width:100%;min-height:3rem;font:inherit;font-weight:600;border-radius:.5rem;border:2px solid transparent;padding:.625rem 1rem;cursor:pointer;margin-top:.5rem}
button:focus-visible,a:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
.primary{background:#1d4ed8;color:#fff}.primary:hover{background:#1e40af}
.danger{background:#fff;color:#b91c1c;border-color:#b91c1c}
.secondary{background:#fff;color:#1f2937;border-color:#6b7280}
.status{font-weight:700}
.ok{color:#166534}.bad{color:#991b1b}
form{margin:0}
@media (prefers-reduced-motion:no-preference){button{transition:background .15s}}
h1,h2,p,legend,dt{overflow-wrap:anywhere}
dl{grid-template-columns:minmax(0,1fr) auto;column-gap:0}
dd{white-space:nowrap;padding-left:1rem}
button:disabled{opacity:.55;cursor:not-allowed}
.back{display:inline-block;margin-top:.75rem}
.receipt{margin-top:.75rem}
.note{font-size:.875rem;color:#4b5563;margin:.25rem 0 .75rem}
`;

/**
 * Counts down to data-expires. At zero the page switches to its expired state at once (buttons
 * disabled, an alert says why), then reloads so the server shows the invoice's final state.
 */
const COUNTDOWN = `
(function(){
  var el=document.querySelector('[data-expires]');if(!el)return;
  var end=Date.parse(el.getAttribute('data-expires'));if(isNaN(end))return;
  var out=el.querySelector('.left');
  function expire(){
    var buttons=document.querySelectorAll('form button');
    for(var i=0;i<buttons.length;i++){buttons[i].disabled=true;}
    var inputs=document.querySelectorAll('form input');
    for(var j=0;j<inputs.length;j++){inputs[j].disabled=true;}
    var box=document.createElement('p');box.className='card bad';box.setAttribute('role','alert');box.id='expired-now';
    box.textContent='Time is up: this invoice has expired and can no longer be paid.';
    var main=document.querySelector('main');if(main&&!document.getElementById('expired-now'))main.insertBefore(box,main.children[1]||null);
    setTimeout(function(){location.reload();},2000);
  }
  function tick(){var s=Math.max(0,Math.ceil((end-Date.now())/1000));
    var m=Math.floor(s/60),r=s%60;out.textContent=m+':'+(r<10?'0':'')+r+(s===0?' (expired)':'');
    if(s>0)setTimeout(tick,Math.min(1000,Math.max(50,end-Date.now()-(s-1)*1000)));else expire();}
  tick();
})();`;

export function page(title: string, body: string): string {
  return htmlDocument({
    title,
    css: BASE_CSS + CSS,
    body: `<main>
<p class="sandbox" role="note">EccaEx sandbox: no real money moves on this page.</p>
${body}
</main>${body.includes('data-expires=') ? `\n<script>${COUNTDOWN}</script>` : ''}`,
  });
}

/** A countdown to `expiresAt`, named for what it counts down to (choosing, or paying), with the deadline in UTC beside it. */
function countdown(expiresAt: Date, label: string, phase: 'choose' | 'pay'): string {
  const isoText = expiresAt.toISOString();
  return `<p class="muted" role="timer" data-phase="${phase}" data-expires="${escapeHtml(isoText)}">${escapeHtml(label)}: <span class="left">${escapeHtml(
    utcTime(expiresAt),
  )}</span> <span class="deadline">(until ${escapeHtml(utcTime(expiresAt).slice(11))})</span></p>`;
}

/** Whole minutes, as the method list and the deal page say them. */
const minutes = (n: number) => `${n} minute${n === 1 ? '' : 's'}`;

function header(inv: InvoiceRow): string {
  return `<section class="card" aria-labelledby="h-invoice">
<h1 id="h-invoice">${escapeHtml(inv.purpose || 'Payment')}</h1>
<p class="muted">Invoice amount</p>
<p class="amount">${escapeHtml(shown(inv.amount, inv.currency))}</p>
<p class="muted">Order ${escapeHtml(inv.external_id)}</p>
</section>`;
}

export interface PageView {
  invoice: InvoiceRow;
  methods: MethodRow[];
  error?: string;
  action: (name: 'select' | 'pay' | 'fail' | 'cancel') => string;
  /** The page's own address (links back from "change the method"). */
  self: string;
  /** The buyer asked to change the method of the deal they have (the methods are offered again). */
  changing?: boolean;
}

function errorBox(error?: string): string {
  return error ? `<p class="card bad" role="alert">${escapeHtml(error)}</p>` : '';
}

const FINAL: Record<string, [string, string, boolean]> = {
  success: ['Payment received', 'Thank you, the payment is complete.', true],
  fail: ['Payment failed', 'The payment did not go through.', false],
  expired: ['Invoice expired', 'The time to pay this invoice has run out.', false],
  canceled: ['Payment canceled', 'This invoice was canceled.', false],
};

/** The paid invoice's receipt: what was paid, with which method, and when (UTC). */
function receipt(inv: InvoiceRow): string {
  const paidAt = inv.deal_finished_at ?? inv.finished_at;
  const rows = [
    inv.amount_fiat ? `<div class="total"><dt>Amount paid</dt><dd id="paid-amount">${escapeHtml(shown(inv.amount_fiat, inv.currency))}</dd></div>` : '',
    inv.amount_fiat && inv.client_commission !== null
      ? `<div><dt>of which commission (${escapeHtml(percent(inv.client_commission))} %)</dt><dd>${escapeHtml(shown(clientCommissionAmount(inv.amount, inv.client_commission), inv.currency))}</dd></div>`
      : '',
    inv.method_name ? `<div><dt>Payment method</dt><dd>${escapeHtml(inv.method_name)}</dd></div>` : '',
    paidAt ? `<div><dt>Paid at</dt><dd>${escapeHtml(utcTime(paidAt))}</dd></div>` : '',
    `<div><dt>Invoice</dt><dd>${escapeHtml(inv.id.slice(0, 8))}</dd></div>`,
  ].join('');
  return `<h3 class="muted">Receipt</h3><dl class="receipt" aria-label="Receipt">${rows}</dl>`;
}

export function renderInvoicePage(v: PageView): string {
  const inv = v.invoice;
  const expired = inv.status === 'pending' && (inv.deal_expires_at ?? inv.expires_at).getTime() <= Date.now();
  if (inv.status !== 'pending' || expired) {
    const [title, text, ok] = FINAL[expired ? 'expired' : inv.status] ?? ['Invoice closed', 'This invoice can no longer be paid.', false];
    const back = ok ? inv.success_url : inv.fail_url;
    return page(
      title,
      `${header(inv)}
${errorBox(v.error)}
<section class="card" aria-labelledby="h-state">
<h2 id="h-state" class="status ${ok ? 'ok' : 'bad'}">${escapeHtml(title)}</h2>
<p>${escapeHtml(text)}</p>
${ok ? receipt(inv) : ''}
${back ? `<p><a href="${escapeHtml(back)}">Return to the shop</a></p>` : ''}
</section>`,
    );
  }
  const cancelForm = `<form method="post" action="${escapeHtml(v.action('cancel'))}"><button type="submit" class="secondary">Cancel</button></form>`;

  const canChange = inv.expires_at.getTime() > Date.now();
  if (inv.deal_id && inv.amount_fiat && inv.client_commission !== null && !(v.changing && canChange)) {
    const total = shown(inv.amount_fiat, inv.currency);
    const commission = shown(clientCommissionAmount(inv.amount, inv.client_commission), inv.currency);
    const payMinutes = inv.deal_created_at && inv.deal_expires_at ? Math.round((inv.deal_expires_at.getTime() - inv.deal_created_at.getTime()) / 60_000) : null;
    return page(
      'Pay with ' + (inv.method_name ?? ''),
      `${header(inv)}
${errorBox(v.error)}
<section class="card" aria-labelledby="h-deal">
<h2 id="h-deal">Pay with ${escapeHtml(inv.method_name)}</h2>
<dl>
<div><dt>Invoice amount</dt><dd>${escapeHtml(shown(inv.amount, inv.currency))}</dd></div>
<div><dt>Client commission (${escapeHtml(percent(inv.client_commission))} %)</dt><dd>${escapeHtml(commission)}</dd></div>
<div class="total"><dt>Total to pay</dt><dd>${escapeHtml(total)}</dd></div>
</dl>
${inv.deal_expires_at ? countdown(inv.deal_expires_at, 'Time left to pay', 'pay') : ''}
${payMinutes !== null ? `<p class="note">${escapeHtml(inv.method_name)} gives ${escapeHtml(minutes(payMinutes))} to pay, counted from when you chose it.</p>` : ''}
<form method="post" action="${escapeHtml(v.action('pay'))}"><button type="submit" class="primary">Pay ${escapeHtml(total)}</button></form>
<form method="post" action="${escapeHtml(v.action('fail'))}"><button type="submit" class="danger">Payment fails</button></form>
${cancelForm}
${canChange ? `<p><a class="back" href="${escapeHtml(v.self)}?change=1">Change the payment method</a></p>` : ''}
</section>`,
    );
  }

  const current = v.changing ? inv.method_code : null;
  const methods = v.methods
    .map((m, i) => {
      const id = `m-${escapeHtml(m.method_code)}`;
      return `<label class="method" for="${id}">
<input type="radio" id="${id}" name="method_code" value="${escapeHtml(m.method_code)}"${(current ? m.method_code === current : i === 0) ? ' checked' : ''} required>
<span><span><strong>${escapeHtml(m.name)}</strong></span>
<span class="muted">Client commission ${escapeHtml(percent(m.client_commission))} % (${escapeHtml(shown(clientCommissionAmount(inv.amount, m.client_commission), inv.currency))})</span>
<span>To pay: <strong>${escapeHtml(shown(amountWithClientCommission(inv.amount, m.client_commission), inv.currency))}</strong></span>
<span class="muted">Then ${escapeHtml(minutes(m.payment_time))} to pay</span></span>
</label>`;
    })
    .join('\n');
  const chooser = v.methods.length
    ? `<form method="post" action="${escapeHtml(v.action('select'))}">
<fieldset>
<legend>Choose a payment method</legend>
${methods}
</fieldset>
<button type="submit" class="primary">Continue</button>
</form>
${current ? `<p><a class="back" href="${escapeHtml(v.self)}">Keep ${escapeHtml(inv.method_name)}</a></p>` : ''}`
    : `<p role="status">No payment method is available for this amount and currency.</p>`;
  return page(
    'Choose a payment method',
    `${header(inv)}
${errorBox(v.error)}
<section class="card" aria-labelledby="h-methods">
<h2 id="h-methods">${current ? 'Change the payment method' : 'Payment method'}</h2>
${countdown(inv.expires_at, 'Time left to choose a method', 'choose')}
<p class="note">Choosing starts the method's own time to pay.</p>
${chooser}
${cancelForm}
</section>`,
  );
}

export function notFoundPage(): string {
  return page('Invoice not found', `<section class="card"><h1>Invoice not found</h1><p>Check the payment link you were given.</p></section>`);
}
