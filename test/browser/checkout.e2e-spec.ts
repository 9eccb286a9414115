import { Page } from 'playwright-core';
import { startTestApp, TestApp } from '../support/app';
import { BrowserSession, inPage, scrollWidth } from '../support/browser';
import { createOrder, orderOf } from '../support/callbacks';

jest.setTimeout(120_000);

/**
 * The demo checkout in a real browser: shop → Buy → the sandbox's hosted payment page → back to
 * the shop, whose status page follows the order until it is final.
 */
describe('browser: demo checkout and hosted payment page', () => {
  let app: TestApp;
  const session = new BrowserSession();

  beforeAll(async () => {
    app = await startTestApp();
    await session.start();
  });
  afterEach(async () => {
    await session.finish(expect.getState().currentTestName);
  });
  afterAll(async () => {
    await session.close();
    await app?.close();
  });

  /** Shop → Buy the 1-month plan → the hosted page (its URL is the order's payment_link). */
  async function buy(page: Page, customer?: string): Promise<void> {
    await page.goto(`${app.url}/sandbox/shop`);
    await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();
    if (customer) await page.getByLabel('Customer id').fill(customer);
    await page.getByRole('button', { name: 'Buy Premium subscription, 1 month for 1,500.00 UAH' }).click();
    // The checkout offers the ways to pay the service has on; the EccaEx page is the first.
    await page.getByRole('heading', { level: 1, name: 'How would you like to pay?' }).waitFor();
    await page.getByRole('radio', { name: /Pay in hryvnia/ }).check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/\/sandbox\/eccaex\/pay\/[0-9a-f-]{36}$/);
  }

  /** The shop's order number, from the status page's ?order=. */
  const orderNo = (page: Page) => new URL(page.url()).searchParams.get('order')!;

  async function statusShown(page: Page, status: string): Promise<void> {
    await page.locator(`#order-status[data-status="${status}"][data-final="true"]`).waitFor({ timeout: 30_000 });
  }

  it('pays the demo purchase end to end: shop → hosted page → method → Pay → success page shows paid', async () => {
    const page = await session.newPage();
    await buy(page, 'browser_buyer');

    // The hosted page: the invoice, the methods for UAH 1500.00 with what each costs, a countdown.
    await page.getByRole('heading', { level: 1, name: 'Premium subscription, 1 month' }).waitFor();
    await page.getByText('1,500.00 UAH', { exact: true }).first().waitFor();
    await page.locator('[role="timer"] .left').waitFor();
    expect(await page.locator('[role="timer"] .left').textContent()).toMatch(/^\d+:\d{2}$/);
    const methods = page.getByRole('radio');
    expect(await methods.count()).toBe(2);
    await page.getByRole('radio', { name: /PrivatBank UA/ }).check();
    await page.getByRole('button', { name: 'Continue' }).click();

    // The deal: invoice amount, client commission, total; then Pay.
    await page.getByRole('heading', { level: 2, name: 'Pay with PrivatBank UA' }).waitFor();
    const amounts = await page.locator('dl').innerText();
    expect(amounts).toMatch(/Invoice amount\s+1,500\.00 UAH/);
    expect(amounts).toMatch(/Client commission \(1\.00 %\)\s+15\.00 UAH/);
    expect(amounts).toMatch(/Total to pay\s+1,515\.00 UAH/);
    await page.getByRole('button', { name: 'Pay 1,515.00 UAH' }).click();

    // Back in the shop: the page polls until the service has the gateway's confirmation.
    await page.waitForURL(/\/sandbox\/shop\/success\?order=shop-/);
    await statusShown(page, 'paid');
    await page.getByRole('heading', { level: 1, name: 'Payment received' }).waitFor();

    const order = await orderOf(app.http, orderNo(page));
    expect(order).toMatchObject({ status: 'paid', amount: '1500.00', currency: 'UAH', customer_id: 'browser_buyer', description: 'Premium subscription, 1 month' });
    expect(order.payment).toMatchObject({ method_code: 'privatbank', amount_fiat: '1515.00' });
    expect(order.metadata).toMatchObject({ source: 'sandbox-shop', sku: 'premium-1m' });
    // The key the shop used never reaches the browser.
    expect(await page.content()).not.toContain(app.settings.storefrontApiKeys[0]!);
  });

  it('fail path: "Payment fails" on the hosted page → the fail page shows failed', async () => {
    const page = await session.newPage();
    await buy(page);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Payment fails' }).click();
    await page.waitForURL(/\/sandbox\/shop\/fail\?order=shop-/);
    await statusShown(page, 'failed');
    await page.getByRole('heading', { level: 1, name: 'Payment failed' }).waitFor();
    expect((await orderOf(app.http, orderNo(page))).status).toBe('failed');
  });

  it('cancel path: "Cancel" on the hosted page → the fail page shows canceled', async () => {
    const page = await session.newPage();
    await buy(page);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(/\/sandbox\/shop\/fail\?order=shop-/);
    await statusShown(page, 'canceled');
    await page.getByRole('heading', { level: 1, name: 'Payment canceled' }).waitFor();
    expect((await orderOf(app.http, orderNo(page))).status).toBe('canceled');
  });

  it('an invoice expired at the gateway: the hosted page shows the expired state with no pay button', async () => {
    const order = await createOrder(app.http, { description: 'Expired in the sandbox' });
    await app.http.post(`/sandbox/eccaex/api/v1/sandbox/invoices/${order.gateway_invoice_id}/simulate`).send({ outcome: 'expire' }).expect(200);
    const page = await session.newPage();
    await page.goto((order as unknown as { payment_link: string }).payment_link);
    await page.getByRole('heading', { level: 2, name: 'Invoice expired' }).waitFor();
    expect(await page.getByRole('button').count()).toBe(0);
    expect(await page.getByRole('radio').count()).toBe(0);
  });

  it('the hosted page fits a 360 px wide screen (no horizontal scroll) and is keyboard operable', async () => {
    const order = (await createOrder(app.http, {
      description: 'A rather long product description that has to wrap on a narrow phone screen',
      external_id: 'narrow-screen-order-with-a-long-number-0123456789-abcdefghijklmnopqrstuvwxyz',
    })) as unknown as { payment_link: string };
    const page = await session.newPage({ width: 360, height: 740 });
    await page.goto(order.payment_link);
    await page.getByRole('radio').first().waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(360);

    // Keyboard only: Tab reaches the method group first, arrows pick a method, Enter submits.
    await page.keyboard.press('Tab');
    expect(await inPage<string>(page, 'document.activeElement.name')).toBe('method_code');
    await page.keyboard.press('ArrowDown');
    expect(await inPage<string>(page, 'document.activeElement.value')).toBe('privatbank');
    await page.keyboard.press('Tab');
    expect(await inPage<string>(page, 'document.activeElement.textContent')).toBe('Continue');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Pay with PrivatBank UA' }).waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
    // Every control has an accessible name; the order on screen is the tab order.
    const names = await page.getByRole('button').allInnerTexts();
    expect(names).toEqual(['Pay 1,515.00 UAH', 'Payment fails', 'Cancel']);
  });

  it('the success and fail pages without ?order explain themselves; an unknown order is a clear 404', async () => {
    const page = await session.newPage();
    const r1 = await page.goto(`${app.url}/sandbox/shop/fail`);
    expect(r1?.status()).toBe(200);
    await page.getByText('This link names no order').waitFor();
    const r2 = await page.goto(`${app.url}/sandbox/shop/success?order=shop-does-not-exist`);
    expect(r2?.status()).toBe(404);
    await page.getByRole('alert').getByText('Order not found.').waitFor();
    const r3 = await page.goto(`${app.url}/sandbox/shop/success`);
    expect(r3?.status()).toBe(200);
    await page.getByText('This link names no order').waitFor();
  });
});
