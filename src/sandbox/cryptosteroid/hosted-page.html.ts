import Decimal from 'decimal.js';
import { escapeHtml, htmlDocument } from '../../common/html';
import { coin, CoinQuote, fiatWorth, suggestedPayments } from './coins';
import type { InvoiceRow } from './store';

/**
 * The hosted payment page: server-rendered HTML, plain forms (works without JavaScript), no
 * inline script: the countdown is a same-origin file (ASSET_PATH), allowed by any `script-src 'self'`.
 */

export const ASSET_PATH = '/sandbox/cryptosteroid/assets/countdown.js';

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#111827;background:#eef2f7}
main{max-width:34rem;margin:0 auto;padding:1rem}
section{background:#fff;border-radius:.75rem;padding:1.25rem;margin-bottom:1rem;box-shadow:0 1px 2px rgba(0,0,0,.1)}
.note{background:#e0f2fe;color:#0c4a6e;border-radius:.5rem;padding:.5rem .75rem;font-size:.875rem;margin:0 0 1rem}
h1{font-size:1.375rem;margin:0 0 .5rem}h2{font-size:1.125rem;margin:0 0 .5rem}
.big{font-size:1.6rem;font-weight:700;margin:.25rem 0;font-variant-numeric:tabular-nums}
.muted{color:#4b5563;font-size:.9375rem}
code{display:block;padding:.5rem;background:#f3f4f6;border-radius:.375rem;overflow-wrap:anywhere;font-size:.9375rem}
table{width:100%;border-collapse:collapse}th{text-align:left;font-weight:400;color:#4b5563;padding:.25rem 1rem .25rem 0}
td{text-align:right;padding:.25rem 0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
label.coin{display:flex;gap:.75rem;align-items:center;border:1px solid #cbd5e1;border-radius:.5rem;padding:.625rem .75rem;margin-bottom:.5rem}
label.coin:focus-within,button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
label.coin span{flex:1}
input[type=text]{width:100%;font:inherit;padding:.5rem;border:1px solid #94a3b8;border-radius:.375rem}
button{display:block;width:100%;min-height:2.875rem;font:inherit;font-weight:600;border-radius:.5rem;border:2px solid #1e3a8a;padding:.5rem 1rem;margin-top:.5rem;cursor:pointer;background:#fff;color:#1e3a8a}
button.go{background:#1e40af;border-color:#1e40af;color:#fff}
button:disabled{opacity:.5;cursor:not-allowed}
form{margin:0 0 .75rem}fieldset{border:0;margin:0;padding:0}legend{font-weight:600;margin-bottom:.5rem}
.ok{color:#166534}.bad{color:#991b1b}
details summary{cursor:pointer;color:#1e40af;margin:.5rem 0}
`;

/** Counts down to data-expires; at zero the forms are disabled and the page reloads for the final state. */
export const COUNTDOWN_JS = `(function () {
  var el = document.querySelector('[data-expires]');
  if (!el) return;
  var end = Date.parse(el.getAttribute('data-expires'));
  var out = el.querySelector('.left');
  if (isNaN(end) || !out) return;
  function tick() {
    var s = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    var m = Math.floor(s / 60), r = s % 60;
    out.textContent = m + ':' + (r < 10 ? '0' : '') + r;
    if (s > 0) { setTimeout(tick, 500); return; }
    var controls = document.querySelectorAll('form button, form input');
    for (var i = 0; i < controls.length; i++) controls[i].disabled = true;
    el.textContent = 'Time is up: this invoice can no longer be paid.';
    el.setAttribute('role', 'alert');
    setTimeout(function () { location.reload(); }, 2000);
  }
  tick();
})();
`;

export function page(title: string, body: string): string {
  return htmlDocument({
    title,
    css: CSS,
    head: body.includes('data-expires=') ? `<script src="${ASSET_PATH}" defer></script>\n` : '',
    body: `<main>
<p class="note" role="note">CryptoSteroid sandbox: no real coins move on this page.</p>
${body}
</main>`,
  });
}

/** 1234567.5 → "1,234,567.50": fiat for people. */
export function fiat(amount: Decimal.Value): string {
  const [int, frac] = new Decimal(amount).toFixed(2).split('.');
  return `${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

export interface CoinChoice {
  code: string;
  name: string;
  network: string;
  quote: CoinQuote | null;
}

export interface PageView {
  invoice: InvoiceRow;
  coins: CoinChoice[];
  error?: string;
  now: Date;
}

const action = (inv: InvoiceRow, name: 'coin' | 'send' | 'expire') => `/sandbox/cryptosteroid/pay/${inv.id}/${name}`;

function header(inv: InvoiceRow): string {
  return `<section aria-labelledby="h-order">
<h1 id="h-order">${escapeHtml(inv.description)}</h1>
<p class="big">${escapeHtml(fiat(inv.fiat_amount))} ${escapeHtml(inv.fiat_currency)}</p>
${inv.external_id ? `<p class="muted">Order ${escapeHtml(inv.external_id)}</p>` : ''}
</section>`;
}

function errorBox(error?: string): string {
  return error ? `<section class="bad" role="alert">${escapeHtml(error)}</section>` : '';
}

function countdown(inv: InvoiceRow, now: Date): string {
  const s = Math.max(0, Math.ceil((inv.expires_at.getTime() - now.getTime()) / 1000));
  const left = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `<p class="muted" role="timer" data-expires="${escapeHtml(inv.expires_at.toISOString())}">Time left to pay: <span class="left">${left}</span></p>`;
}

function coinForm(inv: InvoiceRow, coins: CoinChoice[], legend: string): string {
  const offered = coins.filter((c) => c.quote && c.code !== inv.method);
  if (!offered.length) return '<p role="status">No coin can pay this invoice right now.</p>';
  const options = offered
    .map(
      (c, i) => `<label class="coin" for="coin-${escapeHtml(c.code)}">
<input type="radio" id="coin-${escapeHtml(c.code)}" name="method" value="${escapeHtml(c.code)}"${i === 0 ? ' checked' : ''} required>
<span><strong>${escapeHtml(c.name)}</strong> <span class="muted">(${escapeHtml(c.network)})</span></span>
<span>${escapeHtml(c.quote!.amount)} ${escapeHtml(c.code)}</span>
</label>`,
    )
    .join('\n');
  return `<form method="post" action="${escapeHtml(action(inv, 'coin'))}">
<fieldset><legend>${escapeHtml(legend)}</legend>
${options}
</fieldset>
<button type="submit" class="go">Continue</button>
</form>`;
}

function expireForm(inv: InvoiceRow): string {
  return `<form method="post" action="${escapeHtml(action(inv, 'expire'))}"><button type="submit">Let it expire</button></form>`;
}

function amountForm(inv: InvoiceRow, kind: 'part' | 'over', value: string, label: string, button: string): string {
  const id = `amount-${kind}`;
  return `<form method="post" action="${escapeHtml(action(inv, 'send'))}">
<input type="hidden" name="kind" value="${kind}">
<label for="${id}">${escapeHtml(label)} (${escapeHtml(inv.method)})</label>
<input type="text" id="${id}" name="amount" inputmode="decimal" autocomplete="off" value="${escapeHtml(value)}" required>
<button type="submit">${escapeHtml(button)}</button>
</form>`;
}

function waiting(v: PageView): string {
  const inv = v.invoice;
  const d = inv.coin_decimals!;
  const asked = new Decimal(inv.coin_amount!);
  const received = new Decimal(inv.received);
  const { due, part: half, over } = suggestedPayments(asked, received, d);
  const partial = received.gt(0)
    ? `<p role="status">Received so far: <strong>${escapeHtml(coin(received, d))} ${escapeHtml(inv.method)}</strong>. Still due: <strong>${escapeHtml(coin(due, d))} ${escapeHtml(inv.method)}</strong>.</p>`
    : '';
  const change = received.isZero() ? `<details><summary>Pay with another coin</summary>${coinForm(inv, v.coins, 'Choose another coin')}</details>` : '';
  return `<section aria-labelledby="h-send">
<h2 id="h-send">Send ${escapeHtml(coin(due, d))} ${escapeHtml(inv.method)}</h2>
<p class="muted">to this ${escapeHtml(inv.method)} address:</p>
<code data-testid="address">${escapeHtml(inv.address)}</code>
<table>
<tr><th scope="row">Amount to send</th><td>${escapeHtml(coin(asked, d))} ${escapeHtml(inv.method)}</td></tr>
${inv.who_pay_commission === 'buyer' ? `<tr><th scope="row">Service fee included</th><td>${escapeHtml(coin(inv.coin_fee!, d))} ${escapeHtml(inv.method)}</td></tr>` : ''}
</table>
${partial}
${countdown(inv, v.now)}
</section>
<section aria-labelledby="h-wallet">
<h2 id="h-wallet">Sandbox wallet</h2>
<form method="post" action="${escapeHtml(action(inv, 'send'))}"><input type="hidden" name="kind" value="full"><button type="submit" class="go">Pay in full (${escapeHtml(coin(due, d))} ${escapeHtml(inv.method)})</button></form>
${amountForm(inv, 'part', coin(half, d), 'Part of the amount', 'Pay part')}
${amountForm(inv, 'over', coin(over, d), 'More than the amount', 'Overpay')}
${expireForm(inv)}
${change}
</section>`;
}

function back(url: string | null, text: string): string {
  return url ? `<p><a href="${escapeHtml(url)}">${escapeHtml(text)}</a></p>` : '';
}

function receipt(inv: InvoiceRow): string {
  const d = inv.coin_decimals!;
  const asked = new Decimal(inv.coin_amount!);
  const received = new Decimal(inv.received);
  const extra = received.gt(asked) ? `<p role="status">You sent ${escapeHtml(coin(received.minus(asked), d))} ${escapeHtml(inv.method)} more than asked.</p>` : '';
  const hashes = inv.tx_hashes.map((h) => `<code>${escapeHtml(h)}</code>`).join('\n');
  return `<section aria-labelledby="h-paid">
<h2 id="h-paid" class="ok">Payment received</h2>
<table>
<tr><th scope="row">Order amount</th><td>${escapeHtml(fiat(inv.fiat_amount))} ${escapeHtml(inv.fiat_currency)}</td></tr>
<tr><th scope="row">Asked</th><td>${escapeHtml(coin(asked, d))} ${escapeHtml(inv.method)}</td></tr>
<tr><th scope="row">Received</th><td>${escapeHtml(coin(received, d))} ${escapeHtml(inv.method)}</td></tr>
<tr><th scope="row">Worth</th><td>${escapeHtml(fiat(fiatWorth(received, inv.coin_price!)))} ${escapeHtml(inv.fiat_currency)}</td></tr>
<tr><th scope="row">Paid at</th><td>${escapeHtml((inv.paid_at ?? inv.updated_at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</td></tr>
</table>
${extra}
<p class="muted">Transactions</p>
${hashes}
${back(inv.return_url, 'Return to the shop')}
</section>`;
}

function closed(inv: InvoiceRow): string {
  const title = inv.status === 'EXPIRED' ? 'Invoice expired' : 'Invoice cancelled';
  const text = inv.status === 'EXPIRED' ? 'The time to pay this invoice has run out.' : 'This invoice was cancelled.';
  const received = new Decimal(inv.received);
  const part =
    received.gt(0) && inv.coin_decimals !== null
      ? `<p role="status">${escapeHtml(coin(received, inv.coin_decimals))} of ${escapeHtml(coin(inv.coin_amount!, inv.coin_decimals))} ${escapeHtml(inv.method)} arrived before it closed: the shop will contact you about it.</p>`
      : '';
  return `<section aria-labelledby="h-closed">
<h2 id="h-closed" class="bad">${escapeHtml(title)}</h2>
<p>${escapeHtml(text)}</p>
${part}
${back(inv.fail_return_url, 'Return to the shop')}
</section>`;
}

export function renderInvoicePage(v: PageView): string {
  const inv = v.invoice;
  const overdue = (inv.status === 'NEW' || inv.status === 'WAITING') && inv.expires_at.getTime() <= v.now.getTime();
  const shown: InvoiceRow = overdue ? { ...inv, status: 'EXPIRED' } : inv;
  let body: string;
  let title: string;
  if (shown.status === 'PAID') [title, body] = ['Payment received', receipt(shown)];
  else if (shown.status === 'EXPIRED' || shown.status === 'CANCELLED') [title, body] = [shown.status === 'EXPIRED' ? 'Invoice expired' : 'Invoice cancelled', closed(shown)];
  else if (shown.status === 'WAITING') [title, body] = [`Pay with ${shown.method}`, waiting(v)];
  else {
    title = 'Choose a coin';
    body = `<section aria-labelledby="h-coin">
<h2 id="h-coin">Choose a coin</h2>
${countdown(shown, v.now)}
${coinForm(shown, v.coins, 'Pay with')}
${expireForm(shown)}
</section>`;
  }
  return page(title, `${header(shown)}\n${errorBox(v.error)}\n${body}`);
}

export function notFoundPage(): string {
  return page('Invoice not found', `<section><h1>Invoice not found</h1><p>Check the payment link you were given.</p></section>`);
}
