import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

/**
 * Browser tests drive Debian's Chromium (`apt-get install chromium`, done by .ci/deps) through
 * playwright-core: no browser download. CHROMIUM_PATH overrides the executable.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where every browser test leaves a screenshot of its last page (git-ignored). */
export const SCREENSHOT_DIR = resolve(__dirname, '../../test-artifacts/screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // launch() gives every run a fresh, temporary user-data-dir.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A file name from a test's full name: lowercase words joined by dashes. */
export function screenshotName(testName: string): string {
  let slug = testName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length > 120) slug = slug.slice(0, 121).replace(/-[^-]*$/, '');
  return `${slug || 'test'}.png`;
}

/**
 * One browser per spec file; a fresh context (cookies, sessionStorage) per test. `finish()` (in
 * afterEach) saves a full-page screenshot of the test's last page, named after the test, then
 * closes the context — also when the test failed, which is when the picture helps most.
 */
export class BrowserSession {
  browser: Browser | undefined;
  private context: BrowserContext | undefined;
  private last: Page | undefined;

  async start(): Promise<void> {
    this.browser = await launchChromium();
  }

  async newPage(options: { width?: number; height?: number } = {}): Promise<Page> {
    if (!this.browser) throw new Error('BrowserSession.start() first');
    await this.context?.close();
    this.context = await this.browser.newContext({
      viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    this.context.setDefaultTimeout(15_000);
    this.context.on('page', (p) => {
      this.last = p;
    });
    const page = await this.context.newPage();
    this.last = page;
    return page;
  }

  /** Screenshot of the last page opened in this test, at test-artifacts/screenshots/<test name>.png. */
  async finish(testName: string | undefined): Promise<string | undefined> {
    let file: string | undefined;
    try {
      if (this.last && !this.last.isClosed()) {
        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        file = join(SCREENSHOT_DIR, screenshotName(testName ?? 'test'));
        await this.last.screenshot({ path: file, fullPage: true });
      }
    } finally {
      await this.context?.close().catch(() => undefined);
      this.context = undefined;
      this.last = undefined;
    }
    return file;
  }

  async close(): Promise<void> {
    await this.context?.close().catch(() => undefined);
    await this.browser?.close();
  }
}

/**
 * Evaluates a JavaScript expression in the page. A string, not a function: the test project is
 * type-checked without the DOM library, and what runs in the browser is plain JavaScript anyway.
 */
export function inPage<T = unknown>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** document.documentElement.scrollWidth: wider than the viewport means a horizontal scroll bar. */
export function scrollWidth(page: Page): Promise<number> {
  return inPage<number>(page, 'document.documentElement.scrollWidth');
}
