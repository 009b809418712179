// Rewrites the README's Performance figures — only the text between `<!-- bench:start -->`
// and `<!-- bench:end -->` — from bench/results/latest.json. Run by `npm run bench` after
// each run; on its own: `node dist/bench/bench/render-readme-table.js` (after a bench build).
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { BenchResults } from './report/bench-results.js';
import { markdownReport } from './report/markdown-report.js';
import { README_FILE, RESULTS_FILE } from './support/bench-paths.js';
import { readJsonFile } from './support/json-file.js';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

export function readmeSection(results: BenchResults): string {
  return [
    'Figures of the latest `npm run bench` (written to `secure-api/bench/results/latest.json`; ' +
      'rerun with `npm run bench` at the repository root: 3–5 minutes with the build; figures are ' +
      'only comparable on a quiet machine).',
    markdownReport(results),
  ].join('\n\n');
}

export function renderReadme(results: BenchResults, file = README_FILE): void {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`${file} has no ${START} … ${END} section`);
  }
  const next = `${text.slice(0, start + START.length)}\n${readmeSection(results)}\n${text.slice(end)}`;
  writeFileSync(file, next);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = readJsonFile<BenchResults>(RESULTS_FILE);
  if (!results) throw new Error(`no results at ${RESULTS_FILE}: run npm run bench first`);
  renderReadme(results);
  console.log(`README.md: Performance section rewritten from ${RESULTS_FILE}`);
}
