// A real browser on the page a newcomer opens first: Debian's Chromium, headless, driven by
// playwright-core (never a downloaded browser), against the system started by the launcher.
// Checks the rendered diagnosis and saves the screenshot the README shows
// (readme_images/test-api-call.png).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startSystem, type RunningSystem } from '../src/launcher/system';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(__dirname, '..', '..', 'readme_images', 'test-api-call.png');
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

let system: RunningSystem;
let browser: BrowserContext;
const tempDirs: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: apt-get install -y chromium fonts-liberation (.ci/run does it)`,
    );
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'local-stack-browser-'));
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  tempDirs.push(stateDir, profile);
  system = await startSystem({ stateDir });
  // A fresh profile every run: nothing cached from an earlier page or another user.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 960, height: 600 },
    deviceScaleFactor: 1,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}, 30_000);

it('shows an authenticated API call on /test-api-call, without the token, and saves the screenshot', async () => {
  const page = await browser.newPage();
  const response = await page.goto(system.urls.testApiCall, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toMatch(/text\/html/);
  // The browser asked for HTML (its own Accept header) and got the rendered diagnosis.
  expect(await response?.request().headerValue('accept')).toMatch(/text\/html/);

  const text = await page.locator('body').innerText();
  expect(text).toMatch(/"status": 200/);
  expect(text).toMatch(/"source": "auth0"/);
  expect(text).toContain(system.config.auth0.clientId);
  expect(await page.content()).not.toMatch(JWT);

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(existsSync(SCREENSHOT)).toBe(true);
}, 60_000);
