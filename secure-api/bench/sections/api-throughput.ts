// Section 1: throughput and latency of every route under test, with 1 and with 50 connections,
// the same valid token on every request. Each route is warmed up, then measured in rounds that
// go through all routes in turn (one server under load at a time), in reverse order every other
// round, so that slow drifts of the shared machine's background load touch every route alike,
// and each run follows an unmeasured run of its own, so that no route pays for the garbage the
// route measured before it left on the same server (a forced full GC instead would shrink V8's
// young generation and slow the next second by a third);
// req/s, p50 and p99 are the medians of the rounds' figures, and each round's req/s is kept for
// the per-round ratios of the targets.
import type { ThroughputRow } from '../report/bench-results.js';
import { type LoadResult, runLoad } from '../support/load-run.js';
import type { ServerProcess } from '../support/server-process.js';
import { median } from '../support/statistics.js';

export const CONNECTION_COUNTS = [1, 50] as const;
/** Measured rounds per connection count; the target ratios use the 50-connection rows. */
export const ROUNDS: Record<(typeof CONNECTION_COUNTS)[number], number> = { 1: 5, 50: 7 };
/** Length of every autocannon run (warm-up, settling, measured): its smallest, 1 s. */
export const RUN_SECONDS = 1;

export interface RouteUnderLoad {
  id: ThroughputRow['id'];
  label: string;
  url: string;
  server: ServerProcess;
}

interface MeasuredRun extends LoadResult {
  requestsPerCpuSecond: number;
}

export async function measureRoutes(
  routes: RouteUnderLoad[],
  token: string,
  log: (line: string) => void,
): Promise<ThroughputRow[]> {
  const headers = { authorization: `Bearer ${token}` };
  const rows: ThroughputRow[] = [];
  for (const connections of CONNECTION_COUNTS) {
    for (const route of routes) {
      await runLoad({ url: route.url, connections, durationSeconds: RUN_SECONDS, headers });
    }
    const runs = new Map<RouteUnderLoad, MeasuredRun[]>(routes.map((route) => [route, []]));
    for (let round = 0; round < ROUNDS[connections]; round += 1) {
      for (const route of round % 2 === 0 ? routes : [...routes].reverse()) {
        // Unmeasured: the garbage and JIT state the previous route left settle here.
        await runLoad({ url: route.url, connections, durationSeconds: RUN_SECONDS, headers });
        const cpuBefore = await route.server.cpuMicros();
        const result = await runLoad({
          url: route.url,
          connections,
          durationSeconds: RUN_SECONDS,
          headers,
        });
        const cpuSeconds = ((await route.server.cpuMicros()) - cpuBefore) / 1e6;
        runs.get(route)?.push({ ...result, requestsPerCpuSecond: result.responses / cpuSeconds });
      }
    }
    for (const route of routes) {
      const results = runs.get(route) ?? [];
      const failures = results.reduce((sum, run) => {
        const ok = Object.entries(run.statuses)
          .filter(([status]) => status.startsWith('2'))
          .reduce((n, [, count]) => n + count, 0);
        return sum + run.responses - ok + run.errors;
      }, 0);
      const row: ThroughputRow = {
        id: route.id,
        label: route.label,
        connections,
        requestsPerSecond: median(results.map((run) => run.requestsPerSecond)),
        roundRequestsPerSecond: results.map((run) => run.requestsPerSecond),
        requestsPerCpuSecond: median(results.map((run) => run.requestsPerCpuSecond)),
        p50Ms: median(results.map((run) => run.p50Ms)),
        p99Ms: median(results.map((run) => run.p99Ms)),
        failures,
      };
      log(
        `  ${route.label}, ${connections} conn: ${Math.round(row.requestsPerSecond)} req/s ` +
          `(rounds ${results.map((run) => Math.round(run.requestsPerSecond)).join(', ')}; ` +
          `${Math.round(row.requestsPerCpuSecond)} per server CPU-second), ` +
          `p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms` +
          (row.failures > 0 ? `, ${row.failures} FAILED` : ''),
      );
      rows.push(row);
    }
  }
  return rows;
}
