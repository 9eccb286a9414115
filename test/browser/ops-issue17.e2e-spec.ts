import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { OPS_KEY, ops, startTestApp, TestApp, waitFor } from '../support/app';
import { BrowserSession, inPage, SCREENSHOT_DIR, scrollWidth } from '../support/browser';
import { createOrder, eventsOf, orderOf, simulate, waitForStatus } from '../support/callbacks';

jest.setTimeout(120_000);

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/**
 * The ops console as a newcomer met it (issue 17): the review queue, each gateway's figures, the
 * confirmations, what a final order shows, the withdrawals filter, a phone, the formatting.
 */
describe('browser: ops console, review queue and what a newcomer tripped over', () => {
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

  /** A named screenshot of the page as it is now (besides the one each test leaves at its end). */
  async function shot(page: Page, name: string): Promise<void> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  }

  async function signedIn(size = DESKTOP, hash = '#/orders'): Promise<Page> {
    const page = await session.newPage(size);
    await page.goto(`${app.url}/ops`);
    await page.getByLabel('Ops API key').fill(OPS_KEY);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    await page.locator('#result-count').waitFor();
    if (hash !== '#/orders') await page.goto(`${app.url}/ops${hash}`);
    return page;
  }

  async function openOrder(page: Page, id: string, externalId: string): Promise<void> {
    await page.goto(`${app.url}/ops#/order/${id}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`^Order ${externalId}`) }).waitFor();
    await page.locator('section#timeline table').waitFor();
  }

  /** Requests the page sent to the API, as "METHOD /path?query". */
  function apiCalls(page: Page): string[] {
    const calls: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/v1/')) calls.push(`${r.method()} ${u.pathname}${u.search}`);
    });
    return calls;
  }

  /** An order paid, then adjusted by the gateway (less credited): an open `adjusted` exception. */
  async function adjustedOrder(tag: string) {
    const order = await createOrder(app.http, { external_id: `ops-review-${tag}-${Date.now()}`, customer_id: `ops_review_${tag}` });
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    await waitForStatus(app.http, order.id, 'paid');
    await simulate(app.http, order.gateway_invoice_id, 'success', '1490.00').expect(200);
    await waitFor('exception adjusted', async () => (await orderOf(app.http, order.id)).exception === 'adjusted');
    return order;
  }

  describe.each([
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ])('%s', (name, size) => {
    it('the review queue shows the adjusted order with what the gateway said; Resolve asks for a note and a confirmation, then it leaves the queue', async () => {
      const order = await adjustedOrder(name);
      const page = await signedIn(size);
      await page.getByRole('link', { name: 'Review queue' }).click();
      await page.getByRole('heading', { level: 1, name: 'Review queue' }).waitFor();
      const row = page.locator('#queue-table tbody tr', { hasText: order.external_id });
      await row.waitFor();
      const text = await row.innerText();
      expect(text).toContain('Amount adjusted');
      expect(text).toContain('EccaEx');
      expect(text).toContain('1,500.00 UAH');
      // What the gateway said: its status and the new fiat amount against the old one.
      expect(text).toMatch(/The gateway said:.*now 1,490\.00 UAH \(was [\d,]+\.\d{2} UAH\)/s);
      if (name === 'phone') expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
      await shot(page, `ops-review-queue-${name}`);

      // Cancel: nothing is sent, the order stays in the queue.
      const calls = apiCalls(page);
      await row.getByRole('button', { name: `Resolve the review of ${order.external_id}` }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('heading', { name: `Resolve the review of ${order.external_id}: Amount adjusted?` }).waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      expect(calls.filter((c) => c.startsWith('POST'))).toEqual([]);
      expect((await orderOf(app.http, order.id)).exception_resolved_at).toBeNull();

      // A note is required; then it is resolved, with the note in the timeline.
      await row.getByRole('button', { name: `Resolve the review of ${order.external_id}` }).click();
      await dialog.getByRole('button', { name: 'Resolve', exact: true }).click();
      await dialog.getByText('A note is required.').waitFor();
      expect(calls.filter((c) => c.startsWith('POST'))).toEqual([]);
      await dialog.getByLabel('Note (what was done)').fill(`Rate corrected by the gateway (${name}).`);
      await shot(page, `ops-review-resolve-dialog-${name}`);
      await dialog.getByRole('button', { name: 'Resolve', exact: true }).click();
      await page.getByRole('status').getByText(`Review of ${order.external_id} resolved (amount adjusted), with your note in its timeline.`).waitFor();
      expect(await page.locator('#queue-table tbody tr', { hasText: order.external_id }).count()).toBe(0);
      expect(calls.filter((c) => c.startsWith('POST'))).toEqual([`POST /v1/orders/${order.id}/exception/resolve`]);
      expect((await orderOf(app.http, order.id)).exception_resolved_at).toEqual(expect.any(String));
      expect((await eventsOf(app.http, order.id)).filter((e: { type: string }) => e.type === 'order.exception_resolved')).toEqual([
        expect.objectContaining({ data: { exception: 'adjusted', note: `Rate corrected by the gateway (${name}).` } }),
      ]);

      // The order page tells the story: resolved, with the note; the payment figures with fee and net apart.
      await openOrder(page, order.id, order.external_id);
      await page.locator('#review').getByText(`Review resolved: Amount adjusted`).waitFor();
      expect(await page.locator('#review').innerText()).toContain(`Rate corrected by the gateway (${name}).`);
      expect(await page.locator('section#timeline').innerText()).toContain(`Review resolved — “Rate corrected by the gateway (${name}).”`);
      const payment = await page.locator('section#payment').innerText();
      expect(payment).toMatch(/Customer pays\s+1,490\.00 UAH/);
      expect(payment).toMatch(/Conversion rate\s+[\d.]+ UAH per USDT/);
      expect(payment).toMatch(/Credited to the merchant \(net\)\s+[\d,]+\.\d+ USDT/);
      expect(payment).toMatch(/Adjusted\s+yes/);
      if (name === 'phone') expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
      await shot(page, `ops-order-resolved-${name}`);
    });

    it('the order list fits the screen, dates on at most two lines, amounts with thousands separators and statuses in words', async () => {
      const order = await createOrder(app.http, { amount: '12000.00', external_id: `ops-list-${name}-${Date.now()}`, customer_id: `ops_list_${name}` });
      const page = await signedIn(size);
      const row = page.locator('#orders-table tbody tr', { hasText: order.external_id });
      await row.waitFor();
      const text = await row.innerText();
      expect(text).toContain('12,000.00 UAH');
      expect(text).toContain('Awaiting payment');
      expect(text).not.toContain('awaiting_payment');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(size.width);
      // The tallest date in the table, in lines of its own text.
      const lines = await inPage<number>(
        page,
        `Math.max(...Array.from(document.querySelectorAll('#orders-table time')).map((t) => t.getBoundingClientRect().height / parseFloat(getComputedStyle(t).lineHeight)))`,
      );
      expect(lines).toBeLessThanOrEqual(2.05);
      await shot(page, `ops-orders-${name}`);
    });
  });

  it('search asks the list once (q=), never GET /v1/orders/{q} first; the gateway filter narrows it; times are to the millisecond', async () => {
    const order = await createOrder(app.http, { external_id: `ops-search-${Date.now()}`, customer_id: 'ops_search_customer' });
    const page = await signedIn();
    const calls = apiCalls(page);
    await page.getByLabel('Order id, external_id or customer id').fill('ops_search_customer');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: order.external_id }).waitFor();
    expect(calls).toEqual(['GET /v1/orders?q=ops_search_customer&limit=50']);
    expect(await page.locator('#result-count').textContent()).toBe('1 order');

    await page.getByLabel('Gateway').selectOption('cryptosteroid');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#result-count', { hasText: 'No orders match.' }).waitFor();
    expect(calls[calls.length - 1]).toBe('GET /v1/orders?q=ops_search_customer&provider=cryptosteroid&limit=50');
    await page.getByLabel('Gateway').selectOption('eccaex');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: order.external_id }).click();
    await page.locator('section#timeline tbody tr').first().waitFor();
    // No call named the typed text as an order ref.
    expect(calls.filter((c) => /^GET \/v1\/orders\/ops_search_customer/.test(c))).toEqual([]);
    const times = await page.locator('section#timeline tbody time').allInnerTexts();
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} UTC$/);
  });

  it('a failed order: the payment reads as an attempt, not settled money; the timeline has no "Failed → Failed" rows; a reconcile on it warns first, and Cancel sends nothing', async () => {
    const order = await createOrder(app.http, { external_id: `ops-failed-${Date.now()}` });
    await simulate(app.http, order.gateway_invoice_id, 'fail').expect(200);
    await waitForStatus(app.http, order.id, 'failed');
    const failed = await orderOf(app.http, order.id);
    expect(failed.payment).not.toBeNull();
    // The timeline holds events within one status (what used to read "failed → failed").
    const events = (await eventsOf(app.http, order.id)) as Array<{ type: string; from_status: string; to_status: string }>;
    expect(events.some((e) => e.type !== 'order.status_changed' && e.from_status === e.to_status && e.to_status !== null)).toBe(true);

    const page = await signedIn();
    await openOrder(page, order.id, order.external_id);
    const payment = page.locator('section#payment');
    await payment.getByRole('heading', { name: 'Payment attempt (not settled)' }).waitFor();
    expect(await payment.innerText()).toContain('The order is failed: no money was credited.');
    expect(await payment.innerText()).toMatch(/Would have been credited \(net\)\s+[\d,]+\.\d+ USDT/);
    expect(await payment.innerText()).toMatch(/Asked of the customer\s+1,537\.50 UAH/);
    expect(await payment.innerText()).not.toMatch(/Credited to the merchant|Customer pays/);
    const changes = await page.locator('section#timeline tbody td[data-label="Change"]').allInnerTexts();
    expect(changes.length).toBe(events.length);
    for (const c of changes) {
      const m = /^\s*(.+?)\s*→\s*(.+?)\s*$/.exec(c);
      if (m) expect(m[1]).not.toBe(m[2]);
    }
    expect(changes.filter((c) => c.includes('→'))).toEqual([expect.stringMatching(/Pending\s*→\s*Awaiting payment/), expect.stringMatching(/Awaiting payment\s*→\s*Failed/)]);

    const calls = apiCalls(page);
    await page.getByRole('button', { name: 'Reconcile' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('The order is final (Failed)');
    await shot(page, 'ops-confirm-reconcile-final-order');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(calls.filter((c) => c.startsWith('POST'))).toEqual([]);
    // Confirmed, it runs and says the gateway agreed.
    await page.getByRole('button', { name: 'Reconcile' }).click();
    await dialog.getByRole('button', { name: 'Reconcile', exact: true }).click();
    await page.getByRole('status').getByText('Reconciled with the gateway: nothing changed (the order is failed, as the gateway says).').waitFor();
    expect(calls.filter((c) => c.startsWith('POST'))).toEqual([`POST /v1/orders/${order.id}/reconcile`]);
  });

  it('a forced expiry shows when the order expired, not the old "Expires" deadline', async () => {
    const order = await createOrder(app.http, { external_id: `ops-expired-${Date.now()}` });
    await simulate(app.http, order.gateway_invoice_id, 'expire').expect(200);
    await waitForStatus(app.http, order.id, 'expired');
    const expired = await orderOf(app.http, order.id);
    expect(Date.parse(expired.expires_at)).toBeGreaterThan(Date.now());
    const events = (await eventsOf(app.http, order.id)) as unknown as Array<{ type: string; to_status: string; created_at: string }>;
    const at = events.find((e) => e.type === 'order.status_changed' && e.to_status === 'expired')!.created_at;

    const page = await signedIn();
    await openOrder(page, order.id, order.external_id);
    const summary = page.locator('#summary');
    expect(await summary.locator('dt').allInnerTexts()).not.toContain('Expires');
    const expiredRow = summary.locator('div', { has: page.locator('dt', { hasText: /^Expired$/ }) });
    expect(await expiredRow.locator('time').getAttribute('datetime')).toBe(at);
    await shot(page, 'ops-order-forced-expiry');
  });

  it('Resend is disabled, and says why, while the gateway has no webhook event for the invoice', async () => {
    const order = await createOrder(app.http, { external_id: `ops-noresend-${Date.now()}` });
    const page = await signedIn();
    await openOrder(page, order.id, order.external_id);
    await page.locator('#resend-hint').getByText('The gateway has no webhook event for this invoice yet: nothing to resend.').waitFor();
    expect(await page.getByRole('button', { name: 'Resend gateway webhook' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Reconcile' }).isDisabled()).toBe(false);
  });

  it('withdrawals: the status filter offers the statuses, "success" and "completed" read differently, and a filter with no match says so', async () => {
    const page = await signedIn(DESKTOP, '#/withdrawals');
    await page.getByRole('heading', { level: 1, name: 'Withdrawals' }).waitFor();
    await page.getByRole('button', { name: 'Sync from the gateway' }).click();
    await page.getByRole('status').getByText(/^Synced: \d+ fetched/).waitFor();
    expect(await page.getByLabel('Status').locator('option').allInnerTexts()).toEqual([
      'any status',
      'Pending',
      'Succeeded (success or completed)',
      'Completed only',
      'Failed',
      'Cancelled',
    ]);
    await page.getByLabel('Status').selectOption('success');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('#withdrawal-count', { hasText: 'with status “Succeeded (success or completed)”' }).waitFor();
    const badges = await page.locator('section#withdrawals tbody .badge').allInnerTexts();
    expect(new Set(badges)).toEqual(new Set(['Succeeded', 'Completed']));
    await shot(page, 'ops-withdrawals-succeeded');

    // The mirror keeps 40-odd rows but none cancelled: the filter says so, not "none mirrored".
    const ds = app.app.get(DataSource);
    await ds.query(`DELETE FROM withdrawals WHERE status = 'cancelled'`);
    const left = (await app.http.get('/v1/withdrawals?limit=200').set(ops).expect(200)).body.data.length;
    expect(left).toBeGreaterThan(10);
    await page.getByLabel('Status').selectOption('cancelled');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('#withdrawal-count', { hasText: 'No withdrawal has the status “Cancelled”. Choose “any status” to see them all.' }).waitFor();
    expect(await page.locator('#withdrawal-count').innerText()).not.toContain('mirrored yet');
    await shot(page, 'ops-withdrawals-no-match');
  });
});
