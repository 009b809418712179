// Renders the README's diagrams (*.mmd beside this file) to PNG with Mermaid in the
// Debian Chromium (`npm run docs:images`). Mermaid runs in a page, so no browser
// download and no network access are needed.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
// Built by `npm run docs:images` first: the same Chromium and flags as the soak chart and tests.
import { chromiumLaunchOptions } from '../local-stack/dist/shared/chromium.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const mermaidBundle = await readFile(require.resolve('mermaid/dist/mermaid.min.js'), 'utf8');

const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const page = await browser.newPage({
    deviceScaleFactor: 2,
    viewport: { width: 1400, height: 900 },
  });
  const sources = (await readdir(here)).filter((name) => name.endsWith('.mmd')).sort();
  for (const name of sources) {
    const source = await readFile(path.join(here, name), 'utf8');
    await page.setContent(
      '<!doctype html><html><body style="margin:0;background:#fff"><div id="out"></div></body></html>',
    );
    await page.addScriptTag({ content: mermaidBundle });
    await page.evaluate(async (text) => {
      const { mermaid } = /** @type {any} */ (globalThis);
      mermaid.initialize({ startOnLoad: false, theme: 'neutral', securityLevel: 'strict' });
      const { svg } = await mermaid.render('diagram', text);
      const out = document.getElementById('out');
      out.innerHTML = svg;
      // Mermaid emits width="100%" with a max-width; pin the natural size so the
      // shrink-to-fit container does not squeeze the drawing.
      const element = out.querySelector('svg');
      const viewBox = element.viewBox.baseVal;
      element.removeAttribute('style');
      element.setAttribute('width', String(viewBox.width));
      element.setAttribute('height', String(viewBox.height));
      out.style.display = 'inline-block';
      out.style.padding = '16px';
    }, source);
    const target = path.join(here, name.replace(/\.mmd$/, '.png'));
    await page.locator('#out').screenshot({ path: target });
    console.log(`wrote ${path.relative(process.cwd(), target)}`);
  }
} finally {
  await browser.close();
}
