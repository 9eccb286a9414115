import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { startTestApp, TestApp } from '../support/app';
import { BrowserSession, inPage, SCREENSHOT_DIR, scrollWidth } from '../support/browser';
import { orderOf } from '../support/callbacks';

jest.setTimeout(180_000);

/**
 * What a buyer notices in the demo shop and the EccaEx payment page (issue 17, items 7-10), on a
 * desktop and on a 390×844 phone: the chooser of how to pay, a timer that says what it counts,
 * a way back to change the method, a receipt, what was paid with the commission, amounts with
 * thousands separators, statuses in words, times in UTC, an icon and a front page instead of 404s.
 */
const VIEWPORTS = [
  ['desktop', 1280, 900],
  ['phone', 390, 844],
] as const;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

describe.each(VIEWPORTS)('browser (%s): demo shop and EccaEx payment page', (viewport, width, height) => {
  let app: TestApp;
  const session = new BrowserSession();

  beforeAll(async () => {
    app = await startTestApp({ CRYPTOSTEROID_MODE: 'sandbox', SMARTWM_MODE: 'sandbox' });
    await session.start();
  });
  afterEach(async () => {
    await session.finish(expect.getState().currentTestName);
  });
  afterAll(async () => {
    await session.close();
    await app?.close();
  });

  async function open(): Promise<Page> {
    return session.newPage({ width, height });
  }

  /** The page's icon (headless Chromium does not fetch it by itself): named by the page, and served. */
  async function iconServed(page: Page): Promise<void> {
    const href = await inPage<string | null>(page, "document.querySelector('link[rel=\"icon\"]') && document.querySelector('link[rel=\"icon\"]').href");
    expect(href).toBe(`${app.url}/favicon.ico`);
    const r = await page.request.get(href!);
    expect([r.status(), r.headers()['content-type']]).toEqual([200, 'image/x-icon']);
  }

  const noSideScroll = async (page: Page) => expect(await scrollWidth(page)).toBeLessThanOrEqual(width);
  const visibleText = (page: Page) => inPage<string>(page, 'document.body.innerText');

  /** Shop → Buy the 1-month plan → checkout → the EccaEx page. */
  async function toPaymentPage(page: Page, customer: string): Promise<void> {
    await page.goto(`${app.url}/sandbox/shop`);
    await page.getByLabel('Customer id').fill(customer);
    await page.getByRole('button', { name: 'Buy Premium subscription, 1 month for 1,500.00 UAH' }).click();
    await page.getByRole('heading', { level: 1, name: 'How would you like to pay?' }).waitFor();
    await page.getByRole('radio', { name: /Pay in hryvnia/ }).check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/\/sandbox\/eccaex\/pay\/[0-9a-f-]{36}$/);
  }

  it('the product page and the checkout: thousands separators, only the gateways the service has on', async () => {
    const page = await open();
    await page.goto(`${app.url}/sandbox/shop`);
    await page.getByText('12,000.00 UAH', { exact: true }).waitFor();
    await page.getByText('or 288.00 USD where you pay in dollars').waitFor();
    await noSideScroll(page);
    await shot(page, `shop-products-${viewport}`);
    await page.getByRole('button', { name: 'Buy Premium subscription, 12 months for 12,000.00 UAH' }).click();
    await page.getByRole('heading', { level: 1, name: 'How would you like to pay?' }).waitFor();
    // Offered: exactly the gateways the service says are on (methods listed, or on without a list).
    const offered = await page.locator('fieldset[data-provider]').evaluateAll((els) => els.map((e) => e.getAttribute('data-provider')));
    const on: string[] = [];
    for (const provider of ['eccaex', 'cryptosteroid', 'smartwm']) {
      const r = await app.http.get(`/v1/payment-methods?provider=${provider}`).set({ Authorization: `Bearer ${app.settings.storefrontApiKeys[0]}` });
      if (r.status === 200 || r.body.error?.code === 'NOT_SUPPORTED') on.push(provider);
    }
    expect(on).toContain('eccaex');
    expect(offered).toEqual(on);
    // 12,000.00 UAH: only PrivatBank takes it (Monobank stops at 10,000.00).
    await page.getByText('PrivatBank UA: you choose on the EccaEx page').waitFor();
    expect(await page.getByText(/Monobank/).count()).toBe(0);
    await noSideScroll(page);
    await shot(page, `shop-checkout-${viewport}`);
    await iconServed(page);
  });

  it('the timer says what it counts, the method can be changed, the paid view has a receipt, the shop shows what was paid with the commission', async () => {
    const page = await open();
    await toPaymentPage(page, `buyer_${viewport}`);

    // Choosing: the countdown is the time to choose, and each method says how long paying then takes.
    const timer = page.locator('[role="timer"]');
    expect(await timer.getAttribute('data-phase')).toBe('choose');
    expect(await timer.innerText()).toMatch(/^Time left to choose a method: (20:00|19:[0-5]\d) \(until \d{2}:\d{2}:\d{2} UTC\)$/);
    expect(await page.getByText('Then 15 minutes to pay').count()).toBe(2);
    await page.getByText('1,537.50 UAH').waitFor();
    await noSideScroll(page);
    await shot(page, `eccaex-choose-${viewport}`);

    // PrivatBank first; the deal's own countdown is the 15 minutes the method announced.
    await page.getByRole('radio', { name: /PrivatBank UA/ }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { level: 2, name: 'Pay with PrivatBank UA' }).waitFor();
    expect(await timer.getAttribute('data-phase')).toBe('pay');
    expect(await timer.innerText()).toMatch(/^Time left to pay: (15:00|14:[0-5]\d)/);
    await page.getByText('PrivatBank UA gives 15 minutes to pay, counted from when you chose it.').waitFor();

    // A way back: change to Monobank (the current method is pre-selected, "Keep" returns).
    await page.getByRole('link', { name: 'Change the payment method' }).click();
    await page.getByRole('heading', { level: 2, name: 'Change the payment method' }).waitFor();
    expect(await page.getByRole('radio', { name: /PrivatBank UA/ }).isChecked()).toBe(true);
    await page.getByRole('link', { name: 'Keep PrivatBank UA' }).waitFor();
    await noSideScroll(page);
    await shot(page, `eccaex-change-method-${viewport}`);
    await page.getByRole('radio', { name: /Monobank UA/ }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { level: 2, name: 'Pay with Monobank UA' }).waitFor();
    expect(await page.locator('dl').innerText()).toMatch(/Total to pay\s+1,537\.50 UAH/);
    await noSideScroll(page);
    await shot(page, `eccaex-deal-${viewport}`);
    const paymentPage = page.url();
    await page.getByRole('button', { name: 'Pay 1,537.50 UAH' }).click();

    // The shop's result page follows the order to paid; the buyer sees what they paid.
    await page.waitForURL(/\/sandbox\/shop\/success\?order=shop-/);
    await page.locator('#order-status[data-status="paid"][data-final="true"]').waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { level: 1, name: 'Payment received' }).waitFor();
    const receipt = await page.locator('#receipt').innerText();
    expect(receipt).toMatch(/Price\s+1,500\.00 UAH/);
    expect(receipt).toMatch(/You paid\s+1,537\.50 UAH \(incl\. 37\.50 UAH commission\)/);
    expect(receipt).toMatch(/Paid with\s+Monobank UA \(EccaEx\)/);
    expect(receipt).toMatch(/Paid at\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    expect(await page.locator('#status').innerText()).toBe('Paid');
    const text = await visibleText(page);
    expect(text).not.toMatch(/awaiting_payment|s-paid/);
    await noSideScroll(page);
    await shot(page, `shop-success-paid-${viewport}`);
    const ref = new URL(page.url()).searchParams.get('order')!;
    expect((await orderOf(app.http, ref)).payment).toMatchObject({ method_code: 'monobank', amount_fiat: '1537.50' });

    // The payment page afterwards: paid, with a receipt.
    await page.goto(paymentPage);
    await page.getByRole('heading', { level: 2, name: 'Payment received' }).waitFor();
    const paid = await page.getByRole('definition').allInnerTexts();
    expect(paid).toEqual(expect.arrayContaining(['1,537.50 UAH', '37.50 UAH', 'Monobank UA']));
    expect(await page.locator('.receipt').innerText()).toMatch(/Paid at\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    await noSideScroll(page);
    await shot(page, `eccaex-paid-receipt-${viewport}`);
    await iconServed(page);
  });

  it('buys with CryptoSteroid (a coin) through its own sandbox page and comes back to the result page, paid', async () => {
    const page = await open();
    await page.goto(`${app.url}/sandbox/shop`);
    await page.getByLabel('Customer id').fill(`coin_${viewport}`);
    await page.getByRole('button', { name: 'Buy Premium subscription, 1 month for 1,500.00 UAH' }).click();
    await page.getByRole('radio', { name: /Pay with a coin/ }).check();
    expect(await page.locator('label', { hasText: 'Pay with a coin' }).innerText()).toContain('36.00 USD');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/\/sandbox\/cryptosteroid\//);
    await page.getByRole('heading', { level: 2, name: 'Choose a coin' }).waitFor();
    await page.getByRole('radio').first().check();
    await noSideScroll(page);
    await shot(page, `cryptosteroid-choose-coin-${viewport}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    const payInFull = page.getByRole('button', { name: /^Pay in full/ });
    await payInFull.waitFor();
    await payInFull.click();
    for (let i = 0; i < 30 && (await page.getByRole('heading', { level: 2, name: 'Payment received' }).count()) === 0; i++) {
      await page.waitForTimeout(1000);
      await page.reload();
    }
    await page.getByRole('heading', { level: 2, name: 'Payment received' }).waitFor();
    await shot(page, `cryptosteroid-paid-${viewport}`);
    await page.getByRole('link', { name: 'Return to the shop' }).click();
    await page.waitForURL(/\/sandbox\/shop\/success\?order=shop-/);
    await page.locator('#order-status[data-status="paid"][data-final="true"]').waitFor({ timeout: 60_000 });
    const receipt = await page.locator('#receipt').innerText();
    expect(receipt).toMatch(/Price\s+36\.00 USD/);
    expect(receipt).toMatch(/Paid with\s+\S+ \(CryptoSteroid\)/);
    expect(receipt).toMatch(/You paid\s+[\d,.]+ [A-Z0-9_]+/);
    await noSideScroll(page);
    await shot(page, `shop-success-cryptosteroid-${viewport}`);
    const ref = new URL(page.url()).searchParams.get('order')!;
    expect(await orderOf(app.http, ref)).toMatchObject({ provider: 'cryptosteroid', status: 'paid', amount: '36.00', currency: 'USD' });
  });

  /** Checkout with one SmartWM method, to its sandbox page. */
  async function smartwmCheckout(page: Page, method: RegExp, customer: string): Promise<void> {
    await page.goto(`${app.url}/sandbox/shop`);
    await page.getByLabel('Customer id').fill(customer);
    await page.getByRole('button', { name: 'Buy Premium subscription, 1 month for 1,500.00 UAH' }).click();
    await page.locator('fieldset[data-provider="smartwm"]').waitFor();
    await page.getByRole('radio', { name: method }).check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
  }

  /** The SmartWM result page, back to the shop, which follows the order to paid. */
  async function backFromSmartwmPaid(page: Page, name: string): Promise<string> {
    if (!/\/sandbox\/shop\/success/.test(page.url())) {
      await page.getByRole('heading', { level: 2, name: 'Payment received' }).waitFor({ timeout: 30_000 });
      await shot(page, `smartwm-${name}-paid-${viewport}`);
      await page.getByRole('link', { name: 'Return to the shop' }).click();
    }
    await page.waitForURL(/\/sandbox\/shop\/success\?order=shop-/);
    await page.locator('#order-status[data-status="paid"][data-final="true"]').waitFor({ timeout: 60_000 });
    await noSideScroll(page);
    await shot(page, `shop-success-smartwm-${name}-${viewport}`);
    return new URL(page.url()).searchParams.get('order')!;
  }

  it('buys with SmartWM by card (Visa / Mastercard in UAH) on its sandbox page, back on the result page, paid', async () => {
    const page = await open();
    await smartwmCheckout(page, /Visa \/ Mastercard \(UAH\)/, `card_${viewport}`);
    await page.getByRole('heading', { level: 2, name: 'Card details' }).waitFor({ timeout: 30_000 });
    await page.getByLabel('Card number').fill('4444 1111 4444 1111');
    await page.getByLabel('Expiry (MM/YY)').fill('12/30');
    await page.getByLabel('CVC').fill('123');
    await noSideScroll(page);
    await shot(page, `smartwm-card-${viewport}`);
    await page.getByRole('button', { name: /^Pay / }).click();
    const ref = await backFromSmartwmPaid(page, 'card');
    expect(await page.locator('#receipt').innerText()).toMatch(/Paid with\s+.+ \(SmartWM\)/);
    expect(await orderOf(app.http, ref)).toMatchObject({ provider: 'smartwm', status: 'paid', amount: '1500.00', currency: 'UAH' });
  });

  it('buys with SmartWM by mobile money (M-Pesa Congo in USD) on its sandbox page, back on the result page, paid', async () => {
    const page = await open();
    await smartwmCheckout(page, /M-Pesa Congo \(USD\)/, `mobile_${viewport}`);
    await page.getByRole('heading', { level: 2, name: 'Your mobile money number' }).waitFor({ timeout: 30_000 });
    await page.getByLabel('Phone number').fill('+243810000000');
    await noSideScroll(page);
    await shot(page, `smartwm-mobile-${viewport}`);
    await page.getByRole('button', { name: 'Send the payment request' }).click();
    await page.getByRole('button', { name: 'I approved the payment' }).click();
    const ref = await backFromSmartwmPaid(page, 'mobile');
    expect(await page.locator('#receipt').innerText()).toMatch(/Price\s+36\.00 USD/);
    expect(await orderOf(app.http, ref)).toMatchObject({ provider: 'smartwm', status: 'paid', amount: '36.00', currency: 'USD', payment_method: 'mpesa-congo.usd' });
  });

  it('while the gateway has not confirmed, the shop says so in words, not status names', async () => {
    const page = await open();
    await toPaymentPage(page, `waiting_${viewport}`);
    const ref = (await page.getByText(/^Order shop-/).innerText()).replace('Order ', '');
    await page.goto(`${app.url}/sandbox/shop/success?order=${ref}`);
    await page.locator('#order-status[data-status="awaiting_payment"]').waitFor();
    expect(await page.locator('#status').innerText()).toBe('Waiting for payment');
    await page.getByText(/^Last checked \d{2}:\d{2}:\d{2} UTC; checking again shortly\.$/).waitFor({ timeout: 20_000 });
    expect(await visibleText(page)).not.toMatch(/awaiting_payment|pending/);
    await page.getByRole('link', { name: 'Back to the payment page' }).waitFor();
    await noSideScroll(page);
    await shot(page, `shop-waiting-${viewport}`);
    await iconServed(page);
  });

  it('the front page sends people to the pages and the docs; the icon is there', async () => {
    const page = await open();
    const r = await page.goto(`${app.url}/`);
    expect(r?.status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: 'Merchant payments service' }).waitFor();
    for (const name of ['Demo shop', 'Ops console', 'API documentation']) await page.getByRole('link', { name }).waitFor();
    await page.getByRole('link', { name: 'Demo shop' }).click();
    await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();
    await page.goBack();
    await noSideScroll(page);
    await shot(page, `home-${viewport}`);
    const icon = await page.goto(`${app.url}/favicon.ico`);
    expect(icon?.status()).toBe(200);
    expect(icon?.headers()['content-type']).toBe('image/x-icon');
  });
});
