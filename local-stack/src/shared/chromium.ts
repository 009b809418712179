// The Debian Chromium that renders every picture and runs the browser test, driven by
// playwright-core (never a downloaded browser), and the one set of flags it starts with:
// headless, no sandbox (containers have none), no GPU, and no traffic of its own (first-run
// pages, background networking, component updates, sync, QUIC), so a page fetches only itself.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface ChromiumLaunchOptions {
  executablePath: string;
  headless: true;
  args: string[];
}

/** Options for `chromium.launch` or `chromium.launchPersistentContext`. */
export function chromiumLaunchOptions(): ChromiumLaunchOptions {
  return {
    executablePath: CHROMIUM_PATH,
    headless: true,
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
  };
}
