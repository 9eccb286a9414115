import { escapeHtml, htmlDocument } from '../../common/html';
import { methodName } from '../../gateways/smartwm/smartwm.methods';
import { moneyNumber } from './format';
import { SUCCESS_STATUSES } from './invoices';
import type { SwmInvoiceRow } from './store';

/**
 * The hosted payment page: server-rendered, plain forms (works without JavaScript), no external
 * assets. One page per state: card form, phone number, phone confirmation, transfer, result.
 */

const STYLE = `body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#111;background:#eef1f5}
main{max-width:30rem;margin:0 auto;padding:1rem}
section{background:#fff;border-radius:.6rem;padding:1.1rem;margin-bottom:1rem;box-shadow:0 1px 2px rgba(0,0,0,.15)}
.note{background:#e8f0fe;border:1px solid #9ab4e8;border-radius:.4rem;padding:.4rem .7rem;font-size:.875rem}
.sum{font-size:1.6rem;font-weight:700;margin:.2rem 0}
label{display:block;font-weight:600;margin:.6rem 0 .2rem}
input{font:inherit;width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #6b7280;border-radius:.4rem}
button{font:inherit;font-weight:600;width:100%;min-height:2.9rem;margin-top:.7rem;border-radius:.4rem;border:2px solid #1e3a8a;background:#1e40af;color:#fff;cursor:pointer}
button.alt{background:#fff;color:#1f2937;border-color:#6b7280}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.err{color:#991b1b;font-weight:600}.ok{color:#166534}
small{color:#4b5563}`;

export function layout(title: string, body: string): string {
  return htmlDocument({
    title,
    css: STYLE,
    body: `<main>
<p class="note" role="note">SmartWM acquiring sandbox: no real money moves here.</p>
${body}
</main>`,
  });
}

function summary(row: SwmInvoiceRow): string {
  return `<section aria-labelledby="h-sum">
<h1 id="h-sum">${escapeHtml(row.description || 'Payment')}</h1>
<p class="sum">${escapeHtml(moneyNumber(row.amount, row.scale).source)} <small>${escapeHtml(row.method_used)}</small></p>
<p><small>${escapeHtml(methodName(row.method_used))} · invoice ${escapeHtml(row.payment_id)} · ${escapeHtml(row.tracking)}</small></p>
</section>`;
}

const errorLine = (error?: string) => (error ? `<p class="err" role="alert">${escapeHtml(error)}</p>` : '');

const post = (action: string, label: string, cls = '') =>
  `<form method="post" action="${escapeHtml(action)}"><button type="submit"${cls ? ` class="${cls}"` : ''}>${escapeHtml(label)}</button></form>`;

export interface PageActions {
  card: string;
  phone: string;
  confirm: string;
  decline: string;
  pay: string;
  fail: string;
  cancel: string;
}

export function cardPage(row: SwmInvoiceRow, a: PageActions, error?: string): string {
  return layout(
    'Pay by card',
    `${summary(row)}
<section aria-labelledby="h-card">
<h2 id="h-card">Card details</h2>
${errorLine(error)}
<form method="post" action="${escapeHtml(a.card)}" autocomplete="off">
<label for="card_number">Card number</label>
<input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" required>
<label for="expiry">Expiry (MM/YY)</label>
<input id="expiry" name="expiry" placeholder="12/30" autocomplete="cc-exp" required>
<label for="cvc">CVC</label>
<input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required>
<button type="submit">Pay ${escapeHtml(moneyNumber(row.amount, row.scale).source)}</button>
</form>
${post(a.cancel, 'Cancel', 'alt')}
<p><small>Test cards: 4444 1111 4444 1111 pays, 4000 0000 0000 0002 is declined, 4000 0000 0000 0119 fails the debit. Amount 1000 always pays, 2000 always fails.</small></p>
</section>`,
  );
}

export function phonePage(row: SwmInvoiceRow, a: PageActions, error?: string): string {
  return layout(
    'Pay by mobile money',
    `${summary(row)}
<section aria-labelledby="h-phone">
<h2 id="h-phone">Your mobile money number</h2>
${errorLine(error)}
<form method="post" action="${escapeHtml(a.phone)}">
<label for="phone">Phone number</label>
<input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" placeholder="+243 810 000 000" required>
<button type="submit">Send the payment request</button>
</form>
${post(a.cancel, 'Cancel', 'alt')}
</section>`,
  );
}

export function confirmPage(row: SwmInvoiceRow, a: PageActions, error?: string): string {
  return layout(
    'Confirm on your phone',
    `${summary(row)}
<section aria-labelledby="h-confirm">
<h2 id="h-confirm">Confirm on your phone</h2>
${errorLine(error)}
<p>A payment request was sent to <strong>${escapeHtml(row.payer)}</strong>. In the sandbox, answer it here:</p>
${post(a.confirm, 'I approved the payment')}
${post(a.decline, 'I declined it', 'alt')}
</section>`,
  );
}

export function transferPage(row: SwmInvoiceRow, a: PageActions, details: string, error?: string): string {
  return layout(
    'Pay',
    `${summary(row)}
<section aria-labelledby="h-pay">
<h2 id="h-pay">Pay with ${escapeHtml(methodName(row.method_used))}</h2>
${errorLine(error)}
<p>${escapeHtml(details)}</p>
${post(a.pay, 'I have paid')}
${post(a.fail, 'The payment fails', 'alt')}
${post(a.cancel, 'Cancel', 'alt')}
</section>`,
  );
}

export function resultPage(row: SwmInvoiceRow, error?: string): string {
  const paid = SUCCESS_STATUSES.includes(row.status);
  const back = paid ? row.success_url : row.fail_url;
  const title = paid ? 'Payment received' : row.status === 'CANCELED' ? 'Payment canceled' : row.status === 'CREATED' ? 'Not ready' : 'Payment failed';
  const text =
    row.status === 'CREATED'
      ? 'This invoice is not open for payment yet.'
      : paid
        ? 'Thank you, the payment is complete.'
        : (row.error ?? 'This invoice can no longer be paid.');
  return layout(
    title,
    `${summary(row)}
<section aria-labelledby="h-result">
<h2 id="h-result" class="${paid ? 'ok' : 'err'}">${escapeHtml(title)}</h2>
${errorLine(error)}
<p>${escapeHtml(text)}</p>
<p><small>Status ${escapeHtml(row.status)}</small></p>
${back && row.status !== 'CREATED' ? `<p><a href="${escapeHtml(back)}">Return to the shop</a></p>` : ''}
</section>`,
  );
}

export function messagePage(title: string, text: string): string {
  return layout(title, `<section><h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(text)}</p></section>`);
}
