// Section 1: throughput and latency of one route of one server process, with 1 and with 50
// connections, the same valid token on every request; a warm-up run first, then the measured one.
import type { ThroughputRow } from '../report/bench-results.js';
import { runLoad } from '../support/load-run.js';

export const CONNECTION_COUNTS = [1, 50] as const;
// BENCH_MEASURE_SECONDS shortens the runs while working on the bench itself.
export const MEASURE_SECONDS = Number(process.env.BENCH_MEASURE_SECONDS ?? 5);
export const WARM_UP_SECONDS = Math.min(1.5, MEASURE_SECONDS);

export interface RouteUnderLoad {
  id: ThroughputRow['id'];
  label: string;
  url: string;
}

export async function measureRoute(
  route: RouteUnderLoad,
  token: string,
  log: (line: string) => void,
): Promise<ThroughputRow[]> {
  const headers = { authorization: `Bearer ${token}` };
  const rows: ThroughputRow[] = [];
  for (const connections of CONNECTION_COUNTS) {
    await runLoad({ url: route.url, connections, durationSeconds: WARM_UP_SECONDS, headers });
    const result = await runLoad({
      url: route.url,
      connections,
      durationSeconds: MEASURE_SECONDS,
      headers,
    });
    const ok = Object.entries(result.statuses)
      .filter(([status]) => status.startsWith('2'))
      .reduce((sum, [, n]) => sum + n, 0);
    const row: ThroughputRow = {
      id: route.id,
      label: route.label,
      connections,
      requestsPerSecond: result.requestsPerSecond,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      failures: result.responses - ok + result.errors,
    };
    log(
      `  ${route.label}, ${connections} conn: ${Math.round(row.requestsPerSecond)} req/s, ` +
        `p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms` +
        (row.failures > 0 ? `, ${row.failures} FAILED` : ''),
    );
    rows.push(row);
  }
  return rows;
}
