/**
 * The Deliveries page in real Chromium against headless mode with a real executor and inbox:
 * webhooks sent through the executor show up live, one opens (request, response, verdict), is
 * replayed (the two answers side by side) and copied as curl; screenshots in light and dark.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, ensureRendererBuilt, launchChromium, SCREENSHOTS, startE2EBridge, type E2EBridge } from './dashboard-helpers.js';

const LONG = { timeout: 45_000 };

describe.skipIf(!chromiumAvailable())('Deliveries page in Chromium', () => {
  let b: E2EBridge;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  const hook = async (plugin: string, body: unknown, headers: Record<string, string> = {}): Promise<number> => {
    const r = await fetch(`${b.url}/api/v1/webhook/${plugin}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    await r.arrayBuffer();
    return r.status;
  };

  beforeAll(async () => {
    await ensureRendererBuilt();
    b = await startE2EBridge();
    browser = await launchChromium();
    ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: b.url });
    page = await ctx.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await b?.stop();
  });

  it('lists deliveries sent through the executor, live', async () => {
    expect(await hook('echo', { action: 'opened', number: 1 }, { 'x-github-event': 'pull_request', 'x-github-delivery': 'e2e-1' })).toBe(200);
    await page.goto(`${b.url}/deliveries#token=${b.token}`);
    await page.getByRole('heading', { level: 1, name: 'Deliveries' }).waitFor(LONG);
    const grid = page.getByRole('grid', { name: 'Deliveries' });
    await grid.getByText('github · pull_request').waitFor(LONG);
    // live: a webhook sent now appears without a reload
    expect(await hook('echo', { action: 'closed', number: 2 }, { 'x-github-event': 'issues' })).toBe(200);
    await grid.getByText('github · issues').waitFor(LONG);
    expect(await grid.getByRole('row').count()).toBe(2);
  });

  it('opens one, replays it and shows both answers side by side', async () => {
    const grid = page.getByRole('grid', { name: 'Deliveries' });
    await grid.getByText('github · pull_request').click();
    const detail = page.getByRole('region', { name: 'Delivery' });
    await detail.waitFor(LONG);
    expect(await detail.getByLabel('Request body').textContent()).toContain('"action": "opened"');
    await detail.getByText('not signed').waitFor();
    await detail.getByRole('tab', { name: /Response 200/ }).click();
    expect(await detail.getByLabel('Response body').textContent()).toContain('"x-github-event": "pull_request"');
    await detail.getByRole('button', { name: 'Replay' }).click();
    const compare = detail.getByRole('group', { name: 'Original and replayed responses' });
    await compare.waitFor(LONG);
    expect(await compare.getByText('Replay', { exact: true }).count()).toBe(1);
    await grid.getByText('↻').first().waitFor(LONG); // the replay is listed too, marked
  });

  it('copies the delivery as a curl command that reaches the bridge', async () => {
    const detail = page.getByRole('region', { name: 'Delivery' });
    await detail.getByRole('button', { name: 'Copy as curl' }).click();
    const shown = detail.getByLabel('curl command');
    await shown.waitFor(LONG);
    const command = (await shown.textContent()) ?? '';
    expect(command).toContain(`curl ${b.url}/api/v1/webhook/echo`);
    expect(command).toContain("-H 'x-github-event: pull_request'");
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(command);
  });

  it('saves screenshots in light and dark', async () => {
    await fs.mkdir(SCREENSHOTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(150);
      await page.screenshot({ path: path.join(SCREENSHOTS, `deliveries-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
    const files = await fs.readdir(SCREENSHOTS);
    expect(files).toContain('deliveries-dark.png');
  });

  it('ran without page errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
}, 300_000);
