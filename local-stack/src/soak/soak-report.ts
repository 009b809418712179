// The one-screen text table of a soak run: settings, the fault windows as played with their
// invocations, failures and latency, the counts, and each check of the verdict.
import { FAULTS } from './fault-schedule';
import { type SoakResult } from './run-soak';

function ms(value: number | null): string {
  return value === null ? '–' : `${value}`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function padStart(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

export function soakTable(r: SoakResult): string {
  const v = r.verdict;
  const s = r.settings;
  const lines: string[] = [];
  lines.push(
    `Soak ${r.startedAt}: ${s.seconds} s at ${s.rate}/s (${s.variant} schedule), ${s.database}, ` +
      `DPoP ${s.modes.dpop}, client auth ${s.modes.clientAuth}, ` +
      `token lifetime ${s.tokenLifetimeS} s, function deadline ${s.functionDeadlineMs} ms`,
  );
  lines.push('');
  lines.push(
    `${pad('window', 8)}${pad('fault', 34)}${pad('from–to s', 14)}${padStart('calls', 7)}${padStart('failed', 8)}${padStart('p50 ms', 8)}${padStart('p99 ms', 8)}`,
  );
  for (const row of v.latency) {
    const w = r.windows.find((x) => x.id === row.label);
    const title = w ? FAULTS[w.kind].title : '(no fault)';
    const span = w ? `${w.actualStartS.toFixed(1)}–${w.actualEndS.toFixed(1)}` : '';
    lines.push(
      `${pad(row.label === 'outside windows' ? 'outside' : row.label, 8)}${pad(title, 34)}${pad(span, 14)}` +
        `${padStart(String(row.invocations), 7)}${padStart(String(row.failures), 8)}` +
        `${padStart(ms(row.p50Ms), 8)}${padStart(ms(row.p99Ms), 8)}`,
    );
  }
  lines.push('');
  const codes = Object.entries(v.failuresByCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  lines.push(
    `invocations ${v.invocations} (retries ${v.retries}), successes ${v.successes}, failures ${v.invocations - v.successes}${codes ? `: ${codes}` : ''}`,
  );
  lines.push(
    `interactions: acknowledged ${v.acknowledged}, stored ${v.storedInteractions}, ` +
      `acknowledged but not stored ${v.acknowledgedNotStored}, stored twice ${v.storedTwice}, ` +
      `stored after a failed answer ${v.storedWithoutAcknowledgement}, replayed ${v.replayed}`,
  );
  const t = v.tokenRequestsByCause;
  lines.push(
    `tokens: ${r.counters.auth0.tokenRequests} requests, ${r.counters.auth0.tokensIssued} issued, ` +
      `${v.rollovers} rollovers: renewals ${t.rollover}, direct in Sync faults ${t.sync}, ` +
      `refused in Auth0 faults ${t.auth0}, after API refusal ${t.api}, unexplained ${t.unexplained}`,
  );
  lines.push(
    `Sync: ${r.counters.sync.reads} reads, ${r.counters.sync.writes} writes (${r.counters.sync.conflicts} conflicts); ` +
      `key set fetched ${r.counters.auth0.jwksRequests} times`,
  );
  lines.push('');
  for (const check of v.checks) {
    lines.push(`${check.pass ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
  }
  lines.push('');
  lines.push(v.pass ? 'PASS' : 'FAIL');
  return lines.join('\n');
}
