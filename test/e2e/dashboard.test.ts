/**
 * The dashboard in real Chromium against headless mode (in-process `startBridge`, real executor):
 * token hand-over, every route on reload, add from discovery, validate, activate and watch the
 * connection page change live, test the connection, reconnect, remove, a field error on a bad path,
 * a live log line, the plugin test form, a config edit, and a screenshot of each page (light and dark).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, ensureRendererBuilt, launchChromium, pythonWithoutGrpc, SCREENSHOTS, startE2EBridge, type E2EBridge } from './dashboard-helpers.js';

const ROUTES = ['interpreters', 'connection', 'config', 'logs', 'plugins'] as const;
const HEADINGS: Record<(typeof ROUTES)[number], string> = {
  interpreters: 'Python Interpreters',
  connection: 'Connection Status',
  config: 'Configuration',
  logs: 'Logs',
  plugins: 'Plugins',
};
const LONG = { timeout: 45_000, interval: 200 };

describe.skipIf(!chromiumAvailable())('dashboard in Chromium', () => {
  let b: E2EBridge;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let added = '';
  const problems: string[] = [];

  const watch = (p: Page): void => {
    p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
    });
  };
  const heading = (p: Page, text: string) => p.getByRole('heading', { level: 1, name: text });
  const card = (key: string) => page.locator(`article[data-key="${key}"]`);
  const go = async (p: Page, route: (typeof ROUTES)[number]): Promise<void> => {
    await p.locator(`nav a[href="/${route}"]`).click();
    await heading(p, HEADINGS[route]).waitFor();
  };

  beforeAll(async () => {
    const how = await ensureRendererBuilt();
    console.log(`renderer: ${how === 'built' ? 'built dist-renderer/' : 'dist-renderer/ is up to date'}`);
    b = await startE2EBridge();
    browser = await launchChromium();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    watch(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await b?.stop();
  });

  it('takes the token from the fragment, drops it from the address bar, and every page works on reload', async () => {
    await page.goto(`${b.url}/#token=${b.token}`);
    await heading(page, 'Python Interpreters').waitFor();
    expect(page.url()).toBe(`${b.url}/interpreters`);
    for (const route of ROUTES) {
      const res = await page.goto(`${b.url}/${route}`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
      await heading(page, HEADINGS[route]).waitFor();
    }
    const api = await fetch(`${b.url}/api/nothing-here`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('shows how to get a token to a page without one, and refuses a wrong one', async () => {
    const other = await ctx.newPage();
    watch(other);
    await other.goto(`${b.url}/logs`);
    await other.getByRole('heading', { name: 'Connect to Webhook Bridge' }).waitFor();
    await other.getByLabel('API token', { exact: true }).fill('not-the-right-token-0000000000000000');
    await other.getByRole('button', { name: 'Connect' }).click();
    await other.getByText('The server refused this token').waitFor();
    await other.getByLabel('API token', { exact: true }).fill(b.token);
    await other.getByRole('button', { name: 'Connect' }).click();
    await heading(other, 'Logs').waitFor();
    await other.close();
  });

  it('shows the API field error next to the path field for a bad path', async () => {
    await page.goto(`${b.url}/interpreters`);
    await page.getByRole('button', { name: 'Add Interpreter', exact: true }).click();
    await page.getByLabel('Key', { exact: true }).fill('broken-one');
    await page.getByLabel('Interpreter path').fill('/nonexistent/bin/python3');
    await page.getByRole('button', { name: 'Add to configuration' }).click();
    const error = page.locator('.field.has-error', { has: page.getByLabel('Interpreter path') }).locator('.field-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('does not exist');
    expect(await page.getByLabel('Interpreter path').getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('adds a found interpreter in two clicks and validates it, showing each check', async () => {
    await page.getByRole('button', { name: 'Discover' }).click();
    const addButton = page.getByRole('button', { name: /^Add .* at (\/usr)?\/bin\/python3(\.\d+)?$/ }).first();
    await addButton.waitFor(LONG);
    await addButton.click(); // click 1: the form opens filled in
    added = await page.getByLabel('Key', { exact: true }).inputValue();
    expect(added).toMatch(/^[a-z0-9]/);
    expect(await page.getByLabel('Interpreter path').inputValue()).toMatch(/python3/);
    await page.getByRole('button', { name: 'Add to configuration' }).click(); // click 2
    await card(added).waitFor();
    await card(added).getByRole('button', { name: 'Validate' }).click();
    const report = card(added).getByLabel('Validation result');
    await report.waitFor(LONG);
    await card(added).getByText('Ready to run the executor').waitFor(LONG);
    expect(await report.locator('.checks li').count()).toBeGreaterThan(2);
    await card(added).getByText('Ready', { exact: true }).waitFor();
  });

  it('activates it and the connection page (open in another tab) changes live; tests and reconnects', async () => {
    const conn = await ctx.newPage();
    watch(conn);
    await conn.goto(`${b.url}/connection#token=${b.token}`);
    const interp = conn.locator('.status-interp strong');
    await expect.poll(() => conn.locator('.status-state').textContent(), LONG).toBe('Connected');
    const before = await interp.textContent();
    expect(before).not.toBe(added);

    await card(added).getByRole('button', { name: 'Activate' }).click();
    await page.getByText(`'${added}' is now active`).waitFor(LONG);
    await expect.poll(() => interp.textContent(), LONG).toBe(added); // no reload of `conn`
    await expect.poll(() => conn.locator('.status-state').textContent(), LONG).toBe('Connected');
    expect(await card(added).getByText('Active', { exact: true }).count()).toBe(1);

    await conn.getByRole('button', { name: 'Test Connection' }).click();
    await conn.getByText('Passed').waitFor(LONG);
    expect(await conn.getByText(/SERVING · \d+ probes?/).count()).toBe(1);

    const generation = async (): Promise<string | null> => conn.locator('.kv-row', { hasText: 'Generation' }).locator('dd').textContent();
    const gen = await generation();
    await conn.getByRole('button', { name: 'Reconnect' }).click();
    await expect.poll(generation, LONG).not.toBe(gen);
    await expect.poll(() => conn.locator('.status-state').textContent(), LONG).toBe('Connected');
    await conn.close();
  });

  it('keeps Remove disabled for the active interpreter, then removes it after confirmation', async () => {
    expect(await card(added).getByRole('button', { name: /^Remove/ }).isDisabled()).toBe(true);
    await card('default').getByRole('button', { name: 'Activate' }).click();
    await page.getByText("'default' is now active").waitFor(LONG);
    const remove = card(added).getByRole('button', { name: /^Remove/ });
    await expect.poll(() => remove.isEnabled(), LONG).toBe(true);
    await remove.click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await card(added).waitFor({ state: 'detached', ...LONG });
  });

  it.skipIf(!pythonWithoutGrpc())('shows the new executor\'s error when a switch fails, and keeps the old one serving', async () => {
    const python = pythonWithoutGrpc() as string;
    await page.getByRole('button', { name: 'Add Interpreter', exact: true }).click();
    await page.getByLabel('Display name').fill('No grpc');
    await page.getByLabel('Interpreter path').fill(python);
    await page.getByRole('button', { name: 'Add to configuration' }).click();
    await card('no-grpc').waitFor();
    await card('no-grpc').getByRole('button', { name: 'Activate' }).click();
    const banner = page.locator('.banner-danger', { hasText: "Could not activate 'no-grpc'" });
    await banner.waitFor(LONG);
    expect(await banner.textContent()).toMatch(/grpc/);
    await banner.getByText("The executor keeps running under 'default'.").waitFor(LONG);
    expect(await card('default').getByText('Active', { exact: true }).count()).toBe(1);
    await banner.getByRole('button', { name: 'Dismiss' }).click();
    await card('no-grpc').getByRole('button', { name: /^Remove/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
    await card('no-grpc').waitFor({ state: 'detached', ...LONG });
  });

  it('shows a log line as soon as it is written, and filters it', async () => {
    await go(page, 'logs');
    const marker = `e2e-marker-${Date.now()}`;
    b.bridge.core.logger.warn(`${marker} written by the test`);
    await page.getByText(`${marker} written by the test`).waitFor({ timeout: 10_000 });
    await page.getByPlaceholder('Text in message or source').fill(marker);
    await expect.poll(() => page.locator('.log-row').count()).toBe(1);
    await page.getByPlaceholder('Text in message or source').fill('');
  });

  it('sends a test request to a plugin and shows status, body and time', async () => {
    await go(page, 'plugins');
    await page.getByRole('button', { name: 'Test echo' }).click();
    await page.getByLabel('JSON body').fill('{"hello": "dashboard"}');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('HTTP 200').waitFor(LONG);
    expect(await page.getByLabel('Response body').textContent()).toContain('dashboard');
  });

  it('edits a Python setting through the API and shows its new source', async () => {
    await go(page, 'config');
    await page.getByLabel('Logging level').selectOption('debug');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved to the configuration file').waitFor(LONG);
    const row = page.locator('.values-table tr', { hasText: 'logging.level' });
    await expect.poll(() => row.locator('td').nth(1).textContent()).toBe('debug');
    const text = await fs.readFile(b.bridge.paths.configFile, 'utf8');
    expect(text).toMatch(/level:\s*"?debug"?/);
  });

  it('saves a screenshot of each page in light and dark', async () => {
    await fs.mkdir(SCREENSHOTS, { recursive: true });
    await go(page, 'interpreters');
    await card('default').getByRole('button', { name: 'Validate' }).click();
    await card('default').getByLabel('Validation result').waitFor(LONG);
    await go(page, 'connection');
    await page.getByRole('button', { name: 'Test Connection' }).click();
    await page.getByText('Passed').waitFor(LONG);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const route of ROUTES) {
        await go(page, route);
        await page.locator('[aria-label="Loading"]').waitFor({ state: 'detached', timeout: 10_000 });
        await page.waitForTimeout(150);
        await page.screenshot({ path: path.join(SCREENSHOTS, `${route}-${scheme}.png`) });
      }
      const gate = await ctx.newPage();
      await gate.emulateMedia({ colorScheme: scheme });
      await gate.goto(`${b.url}/interpreters`);
      await gate.getByRole('heading', { name: 'Connect to Webhook Bridge' }).waitFor();
      await gate.screenshot({ path: path.join(SCREENSHOTS, `token-${scheme}.png`) });
      await gate.close();
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await go(page, 'interpreters');
    await page.getByRole('button', { name: 'Add Interpreter', exact: true }).click();
    await page.getByLabel('Found on this machine').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'add-interpreter-light.png') });
    const files = (await fs.readdir(SCREENSHOTS)).filter((f) => f.endsWith('.png'));
    expect(files.length).toBeGreaterThanOrEqual(13);
    console.log(`dashboard screenshots: ${SCREENSHOTS} (${files.length} files)`);
  });

  it('ran without page errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
}, 240_000);
