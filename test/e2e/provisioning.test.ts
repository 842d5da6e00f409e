/**
 * Provisioning from the dashboard in real Chromium against headless mode, with real pip and venv:
 * a venv made by Debian's python3 (no system site packages) lacks a required package built here as
 * a wheel; the bridge runs with PIP_NO_INDEX=1 PIP_FIND_LINKS=<wheels> (the user's own pip settings);
 * the venv is added from the Add form, validated (red), "Install missing packages" is clicked, the
 * progress and the tool's log show, and the card turns green. Also: a running install (a slow sdist)
 * with its log, cancelled with no process left; "Create virtual environment" on a card whose
 * venv_path holds none and from the Add form. Screenshots (light and dark) go to test-results/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, ensureRendererBuilt, launchChromium, SCREENSHOTS, startE2EBridge, type E2EBridge } from './dashboard-helpers.js';
import {
  alive, DEBIAN_PYTHON_MISSING, HAVE_DEBIAN_PYTHON, installed, makeSlowSdist, makeVenv, makeWheel, SYSTEM_PYTHON, waitFor,
} from '../integration/provisioning-support.js';

const LONG = { timeout: 60_000 };
const DIST_PACKAGES = '/usr/lib/python3/dist-packages';
const ready = chromiumAvailable() && HAVE_DEBIAN_PYTHON;
const why = !chromiumAvailable() ? ' (skipped: no Chromium)' : !HAVE_DEBIAN_PYTHON ? ` (skipped: ${DEBIAN_PYTHON_MISSING})` : '';

/** Every file under `dir` (no __pycache__), keyed by its path under `prefix`. */
function filesUnder(dir: string, prefix: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '__pycache__') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, filesUnder(full, `${prefix}/${entry.name}`));
    else if (entry.isFile()) out[`${prefix}/${entry.name}`] = readFileSync(full);
  }
  return out;
}

/** Debian's version of a distribution from its egg-info folder name. */
function debianVersion(dist: string): string {
  const found = readdirSync(DIST_PACKAGES).map((n) => new RegExp(`^${dist}-([\\w.]+?)(?:\\.egg|\\.dist)-info$`).exec(n)).find(Boolean);
  return found?.[1] ?? '0';
}

/**
 * The executor's own dependencies in the venv: Debian's python3-grpcio and python3-protobuf files
 * repackaged as wheels and pip-installed offline, so the venv differs from a working one only by
 * the required package the dashboard installs (the executor needs grpc and protobuf to validate).
 */
function giveExecutorDeps(python: string, dir: string): void {
  makeWheel(dir, 'grpcio', debianVersion('grpcio'), filesUnder(path.join(DIST_PACKAGES, 'grpc'), 'grpc'));
  makeWheel(dir, 'protobuf', debianVersion('protobuf'), filesUnder(path.join(DIST_PACKAGES, 'google', 'protobuf'), 'google/protobuf'));
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--no-index', '--find-links', dir, 'grpcio', 'protobuf'], {
    env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    stdio: 'pipe',
  });
}

describe.skipIf(!ready)(`provisioning from the dashboard in Chromium${why}`, () => {
  let dir: string;
  let python: string;
  let pidFile: string;
  let b: E2EBridge;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const card = (key: string): Locator => page.locator(`article[data-key="${key}"]`);
  const jobPanel = (key: string): Locator => card(key).getByRole('region', { name: /job for / });
  /** A screenshot of one card or form; the window grows to fit it (the page scrolls inside its main area). */
  const shot = async (target: Locator, name: string): Promise<void> => {
    const height = (await target.boundingBox())?.height ?? 0;
    await page.setViewportSize({ width: 1280, height: Math.max(900, Math.ceil(height) + 240) });
    await target.scrollIntoViewIfNeeded();
    await page.waitForTimeout(200); // let transitions settle
    await target.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
    await page.setViewportSize({ width: 1280, height: 900 });
  };
  const addFromForm = async (key: string, fill: (form: Locator) => Promise<void>, submit: string): Promise<void> => {
    await page.getByRole('button', { name: 'Add Interpreter', exact: true }).click();
    const form = page.getByRole('form', { name: 'Add interpreter' });
    await form.getByLabel('Key', { exact: true }).fill(key);
    await fill(form);
    await form.getByRole('button', { name: submit }).click();
    await card(key).waitFor();
  };
  const validateRed = async (key: string, pkg: string): Promise<void> => {
    await card(key).getByRole('button', { name: 'Validate' }).click();
    await card(key).getByText('1 check failed').waitFor(LONG);
    await card(key).locator('.checks li.check-error', { hasText: `package:${pkg}` }).waitFor();
    await card(key).locator('.badge', { hasText: 'Error' }).waitFor();
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'wb-e2e-prov-'));
    const wheels = path.join(dir, 'wheels');
    makeWheel(wheels, 'wbtestpkg');
    makeSlowSdist(wheels);
    python = makeVenv(path.join(dir, 'venv'));
    giveExecutorDeps(python, path.join(dir, 'executor-deps'));
    pidFile = path.join(dir, 'slow.pids');
    await ensureRendererBuilt();
    await fs.mkdir(SCREENSHOTS, { recursive: true });
    // the user's pip settings, in the app's environment (startE2EBridge passes process.env on)
    const env = { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels, PIP_NO_BUILD_ISOLATION: '0', WB_SLOW_PIDFILE: pidFile };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      b = await startE2EBridge();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    browser = await launchChromium();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
    });
    await page.goto(`${b.url}/#token=${b.token}`);
    await page.getByRole('heading', { level: 1, name: 'Python Interpreters' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await b?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('turns a venv without its required package green in one click, showing progress and the log', async () => {
    expect(installed(python).some((d) => d.startsWith('wbtestpkg=='))).toBe(false);
    await addFromForm('work', async (form) => {
      await form.getByLabel('Display name').fill('Work venv');
      await form.getByLabel('Interpreter path').fill(python);
      await form.getByLabel('Required packages').fill('wbtestpkg');
    }, 'Add to configuration');
    await validateRed('work', 'wbtestpkg');
    const offer = card('work').locator('.prov-offer', { hasText: 'Missing required package' });
    expect(await offer.textContent()).toContain('wbtestpkg');

    // what the panel shows, each time it changes: heading | status | progress bar classes | log
    // (scripts as strings: the root tsconfig has no DOM types)
    await page.evaluate(`{
      const seen = (window.__seen = []);
      new MutationObserver(() => {
        const job = document.querySelector('article[data-key="work"] .job');
        if (!job) return;
        const snap = ['h4', '.job-status', '.progress', '.job-log']
          .map((sel) => { const el = job.querySelector(sel); return sel === '.progress' ? (el?.className ?? '') : (el?.textContent ?? ''); })
          .join(' | ');
        if (seen.at(-1) !== snap) seen.push(snap);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    }`);
    await card('work').getByRole('button', { name: 'Install missing packages' }).click();
    const panel = jobPanel('work');
    await panel.getByRole('heading', { name: /Installing packages…|Packages installed/ }).waitFor({ timeout: 10_000 });
    // keyboard focus moved from the vanished button to the panel's heading
    expect(await page.evaluate(`document.activeElement?.closest('.job') ? document.activeElement.tagName : null`)).toBe('H4');

    await panel.getByRole('heading', { name: 'Packages installed' }).waitFor(LONG);
    await card('work').locator('.badge', { hasText: 'Ready' }).waitFor(LONG);
    await panel.getByText("Validation passes: 'Work venv' is ready to run the executor.").waitFor(LONG);
    expect(await panel.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await card('work').locator('.prov-offer').count()).toBe(0);
    await panel.getByRole('button', { name: /^Output/ }).click();
    const log = await panel.getByRole('log').textContent();
    expect(log).toContain('Successfully installed wbtestpkg-0.1');
    expect(log).toContain("validation of 'work' passes");
    expect(await panel.locator('.job-command').textContent()).toMatch(/-m pip install .*wbtestpkg/);
    expect(installed(python)).toContain('wbtestpkg==0.1');
    const seen = await page.evaluate<string[]>('window.__seen');
    console.log(`install panel states seen:\n  ${seen.map((s) => s.replace(/\n/g, ' ⏎ ').slice(0, 200)).join('\n  ')}`);
    const running = seen.filter((s) => s.startsWith('Installing packages… |') && s.includes('is-running'));
    expect(running.length).toBeGreaterThan(0);
    expect(running.some((s) => s.split(' | ')[3]?.includes('wbtestpkg'))).toBe(true); // the live log, while it ran

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await shot(card('work'), `provisioning-installed-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows a running install with its live log (screenshots), then cancels it: nothing left running', async () => {
    await addFromForm('slow', async (form) => {
      await form.getByLabel('Interpreter path').fill(python);
      await form.getByLabel('Required packages').fill('wbslow');
    }, 'Add to configuration');
    await validateRed('slow', 'wbslow');
    await card('slow').getByRole('button', { name: 'Install missing packages' }).click();
    const panel = jobPanel('slow');
    await panel.getByRole('heading', { name: 'Installing packages…' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => panel.getByRole('log').textContent(), LONG).toMatch(/wbslow-0\.1\.tar\.gz/);
    const pids = await waitFor('the slow setup.py to start', () => {
      const text = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '';
      return text ? text.split('\n').map(Number) : null;
    });
    expect(await panel.getByRole('progressbar').getAttribute('class')).toContain('is-running');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await shot(card('slow'), `provisioning-progress-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // by keyboard: the panel's heading has focus; Tab reaches Cancel, Enter cancels
    await panel.getByRole('heading', { name: 'Installing packages…' }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Cancel the install');
    await shot(panel, 'provisioning-cancel-focus-light');
    await page.keyboard.press('Enter');
    await panel.getByRole('heading', { name: 'Install cancelled' }).waitFor(LONG);
    // focus stays in the panel (on its heading) when Cancel goes away
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Install cancelled');
    await panel.getByText(/Nothing was changed/).waitFor();
    await expect.poll(() => pids.filter(alive), LONG).toEqual([]);
    expect(installed(python).some((d) => d.startsWith('wbslow=='))).toBe(false);
    await card('slow').locator('.badge', { hasText: 'Error' }).waitFor();
    await shot(card('slow'), 'provisioning-cancelled-light');
  });

  it('creates the missing venv of a card in one click', async () => {
    const venv = path.join(dir, 'later-venv');
    await b.bridge.core.registry.add({ key: 'later', path: SYSTEM_PYTHON, venv_path: venv });
    expect(b.bridge.core.registry.list().interpreters.find((i) => i.key === 'later')?.venv_exists).toBe(false);
    const offer = card('later').locator('.prov-offer', { hasText: 'No virtual environment at' });
    await offer.waitFor(LONG);
    expect(await offer.textContent()).toContain(venv);
    await offer.getByRole('button', { name: 'Create virtual environment' }).click();
    const panel = jobPanel('later');
    await panel.getByRole('heading', { name: 'Virtual environment created' }).waitFor(LONG);
    await expect.poll(() => card('later').locator('.interp-sub .mono').last().textContent(), LONG).toBe(path.join(venv, 'bin', 'python'));
    expect(statSync(path.join(venv, 'pyvenv.cfg')).isFile()).toBe(true);
    expect(b.bridge.core.registry.list().interpreters.find((i) => i.key === 'later')?.venv_exists).toBe(true);
    expect(await card('later').locator('.prov-offer').count()).toBe(0);
  });

  it('creates a virtual environment from the Add form', async () => {
    const venv = path.join(dir, 'fresh-venv');
    await page.getByRole('button', { name: 'Add Interpreter', exact: true }).click();
    const form = page.getByRole('form', { name: 'Add interpreter' });
    await form.getByLabel('Key', { exact: true }).fill('fresh');
    await form.getByLabel('Create virtual environment').check();
    await form.getByLabel('Base interpreter path').fill(SYSTEM_PYTHON);
    await form.getByLabel('Virtual environment', { exact: true }).fill(venv);
    await form.getByLabel('Required packages').fill('wbtestpkg');
    await form.getByLabel('Base interpreter path').focus();
    await shot(form, 'provisioning-add-venv-light');
    await form.getByRole('button', { name: 'Add and create venv' }).click();
    await page.getByText("Added 'fresh'. Its virtual environment is being created").waitFor();
    const panel = jobPanel('fresh');
    await panel.getByRole('heading', { name: /Creating the virtual environment…|Virtual environment created/ }).waitFor(LONG);
    await panel.getByRole('heading', { name: 'Virtual environment created' }).waitFor(LONG);
    await expect.poll(() => card('fresh').locator('.interp-sub .mono').last().textContent(), LONG).toBe(path.join(venv, 'bin', 'python'));
    // re-validated in the new venv: the required package is missing there, one more click away
    await card('fresh').getByRole('button', { name: 'Install missing packages' }).waitFor(LONG);
    await shot(card('fresh'), 'provisioning-venv-light');
  });

  it('ran without page errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
}, 300_000);
