import { escapeHtml } from '../common/html';
import type { CustomerPaymentPage, InvoiceRef } from './gateway.port';

declare module './gateway.port' {
  interface PaymentGateway {
    /**
     * Gateways whose invoice hands the customer a form rather than a link (SmartWM `pay_form`):
     * how to pay the invoice now, for the page the service serves at /pay/{order_id}. Null when
     * the invoice is unknown or no longer payable.
     */
    paymentPage?(ref: InvoiceRef): Promise<CustomerPaymentPage | null>;
  }
}

const page = (title: string, body: string, head = ''): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<title>${escapeHtml(title)}</title>${head}<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.6rem 1.2rem}</style></head>` +
  `<body>${body}</body></html>`;

/**
 * A page that submits the gateway's form at once (a button when scripts are off). Every action
 * and value is escaped here: the gateway's own HTML is never echoed.
 */
export function selfSubmittingForm(form: Extract<CustomerPaymentPage, { kind: 'form' }>): string {
  const inputs = Object.entries(form.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return page(
    'Continue to payment',
    `<p>Taking you to the payment page…</p><form id="pay" method="${form.method === 'POST' ? 'POST' : 'GET'}" action="${escapeHtml(form.action)}" accept-charset="UTF-8">${inputs}` +
      `<button type="submit">Continue to payment</button></form><script>document.getElementById('pay').submit();</script>`,
  );
}

export function messagePage(title: string, text: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`);
}
