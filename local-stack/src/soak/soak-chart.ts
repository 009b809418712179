// The soak's chart for the README: invocations per second (successes green, failures red) and
// the p99 latency per second over time, the fault windows shaded and labelled, the token
// requests marked. Drawn as SVG here (no chart library: a few rects and a polyline) and
// rendered to PNG in the Debian Chromium through playwright-core, like the other pictures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumLaunchOptions } from '../shared/chromium';
import { FAULTS } from './fault-schedule';
import { type SoakResult } from './run-soak';

const WIDTH = 1200;
const HEIGHT = 520;
const MARGIN = { left: 60, right: 70, top: 40, bottom: 150 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function soakChartSvg(r: SoakResult): string {
  const series = r.perSecond;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const seconds = Math.max(1, series.length);
  const maxRate = Math.max(1, ...series.map((p) => p.invocations));
  const maxP99 = Math.max(100, ...series.map((p) => p.p99Ms ?? 0));
  const x = (s: number) => MARGIN.left + (s / seconds) * plotW;
  const yRate = (n: number) => MARGIN.top + plotH - (n / maxRate) * plotH;
  const yLatency = (ms: number) => MARGIN.top + plotH - (ms / maxP99) * plotH;
  const barW = Math.max(1, plotW / seconds - 1);
  const parts: string[] = [];
  /** Window labels, drawn last so that no bar hides them. */
  const labels: string[] = [];

  // Fault windows: shaded bands, labelled in rows below the axis so overlaps stay readable.
  const faults = r.windows.filter((w) => FAULTS[w.kind].background !== true);
  faults.forEach((w, i) => {
    const x0 = x(w.actualStartS);
    const x1 = Math.max(x0 + 2, x(w.actualEndS));
    // The documented after-effect (a cooldown, a rate-limit reset), lighter.
    const tail = FAULTS[w.kind].explains.length > 0 ? FAULTS[w.kind].afterEffectS : 0;
    if (tail > 0) {
      const x2 = Math.min(WIDTH - MARGIN.right, x(w.actualEndS + tail));
      parts.push(
        `<rect x="${x1}" y="${MARGIN.top}" width="${Math.max(0, x2 - x1)}" height="${plotH}" fill="#f59e0b" fill-opacity="0.06"/>`,
      );
    }
    parts.push(
      `<rect x="${x0}" y="${MARGIN.top}" width="${x1 - x0}" height="${plotH}" fill="#f59e0b" fill-opacity="0.13"/>`,
    );
    labels.push(
      `<text x="${x0 + 2}" y="${MARGIN.top + 12 + (i % 3) * 12}" font-size="11" fill="#92400e" stroke="#fff" stroke-width="3" paint-order="stroke">${w.id}</text>`,
    );
    const row = i % 4;
    const col = Math.floor(i / 4);
    parts.push(
      `<text x="${MARGIN.left + col * 290}" y="${HEIGHT - MARGIN.bottom + 60 + row * 16}" font-size="12" fill="#444">` +
        `${w.id} ${escapeXml(FAULTS[w.kind].title)} (${w.actualStartS.toFixed(0)}–${w.actualEndS.toFixed(0)} s)</text>`,
    );
  });

  for (const p of series) {
    const ok = p.invocations - p.failures;
    parts.push(
      `<rect x="${x(p.second)}" y="${yRate(ok)}" width="${barW}" height="${yRate(0) - yRate(ok)}" fill="#16a34a"/>`,
    );
    if (p.failures > 0) {
      parts.push(
        `<rect x="${x(p.second)}" y="${yRate(p.invocations)}" width="${barW}" height="${yRate(ok) - yRate(p.invocations)}" fill="#dc2626"/>`,
      );
    }
    if (p.tokenRequests > 0) {
      const cx = x(p.second) + barW / 2;
      parts.push(
        `<path d="M${cx - 5},${MARGIN.top - 12} L${cx + 5},${MARGIN.top - 12} L${cx},${MARGIN.top - 3} Z" fill="#7c3aed"/>`,
      );
    }
  }
  const line = series
    .filter((p) => p.p99Ms !== null)
    .map((p) => `${x(p.second) + barW / 2},${yLatency(p.p99Ms!)}`)
    .join(' ');
  parts.push(`<polyline points="${line}" fill="none" stroke="#2563eb" stroke-width="1.5"/>`);
  parts.push(...labels);

  // Axes and labels.
  const axisY = MARGIN.top + plotH;
  parts.push(
    `<line x1="${MARGIN.left}" y1="${axisY}" x2="${WIDTH - MARGIN.right}" y2="${axisY}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${axisY}" stroke="#333"/>`,
    `<line x1="${WIDTH - MARGIN.right}" y1="${MARGIN.top}" x2="${WIDTH - MARGIN.right}" y2="${axisY}" stroke="#2563eb"/>`,
    `<text x="${MARGIN.left - 8}" y="${MARGIN.top + 4}" font-size="12" text-anchor="end">${maxRate}</text>`,
    `<text x="${MARGIN.left - 8}" y="${axisY}" font-size="12" text-anchor="end">0</text>`,
    `<text x="${WIDTH - MARGIN.right + 6}" y="${MARGIN.top + 4}" font-size="12" fill="#2563eb">${maxP99} ms</text>`,
    `<text x="${WIDTH - MARGIN.right + 6}" y="${axisY}" font-size="12" fill="#2563eb">0</text>`,
  );
  for (let s = 0; s <= seconds; s += seconds > 60 ? 30 : 5) {
    parts.push(
      `<text x="${x(s)}" y="${axisY + 16}" font-size="12" text-anchor="middle">${s} s</text>`,
    );
  }
  const v = r.verdict;
  const title =
    `Soak: ${r.settings.seconds} s at ${r.settings.rate}/s on ${r.settings.database} — ` +
    `${v.successes}/${v.invocations} answered right, ${v.acknowledgedNotStored} lost, ` +
    `${v.storedTwice} duplicated — ${v.pass ? 'PASS' : 'FAIL'}`;
  parts.push(
    `<text x="${MARGIN.left}" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${MARGIN.left}" y="${axisY + 36}" font-size="12" fill="#444">` +
      `<tspan fill="#16a34a">■</tspan> successes/s  <tspan fill="#dc2626">■</tspan> failures/s  ` +
      `<tspan fill="#2563eb">━</tspan> p99 latency (right axis)  <tspan fill="#7c3aed">▼</tspan> token requests  ` +
      `<tspan fill="#f59e0b">■</tspan> fault windows (lighter: their after-effect)</text>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="Liberation Sans, Arial, sans-serif">` +
    `<rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>`
  );
}

/** Renders the chart to `pngPath` in headless Chromium (no browser download, no network). */
export async function renderSoakChart(r: SoakResult, pngPath: string): Promise<void> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'soak-chart-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...chromiumLaunchOptions(),
    viewport: { width: WIDTH, height: HEIGHT },
    deviceScaleFactor: 1,
  });
  try {
    const page = await context.newPage();
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:#fff">${soakChartSvg(r)}</body></html>`,
    );
    await page.locator('svg').screenshot({ path: pngPath });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
