// A real browser on the page a newcomer opens first: Debian's Chromium, headless, driven by
// playwright-core (never a downloaded browser), against the system started by the launcher.
// Checks the rendered diagnosis page and takes a screenshot of it: the one the README shows
// (readme_images/test-api-call.png) only when UPDATE_README_IMAGES=true (`npm run docs:images`),
// else a temporary file, so an ordinary test run leaves the tree unmodified.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startSystem, type RunningSystem } from '../src/launcher/system';
import { CHROMIUM_PATH, chromiumLaunchOptions } from '../src/shared/chromium';

const README_SCREENSHOT = join(__dirname, '..', '..', 'readme_images', 'test-api-call.png');
const UPDATE_README_IMAGES = process.env.UPDATE_README_IMAGES === 'true';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const VIEWPORT = { width: 1000, height: 760 };
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

let system: RunningSystem;
let browser: BrowserContext;
let screenshot: string;
const tempDirs: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: apt-get install -y chromium fonts-liberation (.ci/run does it)`,
    );
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'local-stack-browser-'));
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  tempDirs.push(stateDir, profile);
  if (UPDATE_README_IMAGES) screenshot = README_SCREENSHOT;
  else {
    const shots = mkdtempSync(join(tmpdir(), 'local-stack-screenshot-'));
    tempDirs.push(shots);
    screenshot = join(shots, 'test-api-call.png');
  }
  // The default modes, as `npm start` runs: Private Key JWT and a DPoP-bound token.
  system = await startSystem({ stateDir });
  // A fresh profile every run: nothing cached from an earlier page or another user.
  browser = await chromium.launchPersistentContext(profile, {
    ...chromiumLaunchOptions(),
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}, 30_000);

it('shows an authenticated API call on /test-api-call, without the token, and takes a screenshot', async () => {
  const page = await browser.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  const response = await page.goto(system.urls.testApiCall, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toMatch(/text\/html/);
  // The browser asked for HTML (its own Accept header) and got the rendered diagnosis.
  expect(await response?.request().headerValue('accept')).toMatch(/text\/html/);
  // Self-contained: the page fetched nothing beyond itself.
  expect(requested).toEqual([system.urls.testApiCall]);

  await expect(page.title()).resolves.toBe('test-api-call: Authenticated call succeeded');
  expect(await page.locator('h1').innerText()).toBe('Authenticated call succeeded');
  expect(await page.locator('header').getAttribute('class')).toBe('verdict ok');
  const text = await page.locator('body').innerText();
  expect(text).toMatch(/GET \/secure answered 200 in \d+ ms, with a token from auth0\./);
  expect(text).toMatch(/API\s+200 GET \/secure in \d+ ms/);
  expect(text).toMatch(/Token source\s+auth0\s+Fetched from Auth0 just now/);
  expect(text).toMatch(/Expires\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+in \d+ h \d+ min/);
  expect(text).toMatch(/Fingerprint\s+sha256:[0-9a-f]{16}/);
  expect(text).toMatch(
    /Token type\s+DPoP\s+bound to key [A-Za-z0-9_-]{43}; the API did not ask for a nonce/,
  );
  expect(text).toMatch(/Decoded, not verified here/);
  expect(text).toMatch(new RegExp(`azp\\s+${system.config.auth0.clientId}\\s`));
  expect(text).toContain(`${system.config.auth0.clientId}@clients`);
  // The raw JSON is there, folded away.
  expect(await page.locator('details').getAttribute('open')).toBeNull();
  expect(await page.locator('details pre').textContent()).toMatch(/"source": "auth0"/);
  expect(await page.content()).not.toMatch(JWT);

  await page.screenshot({ path: screenshot, fullPage: true });
  const png = readFileSync(screenshot);
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.readUInt32BE(16)).toBe(VIEWPORT.width); // IHDR width: deviceScaleFactor 1
}, 60_000);
