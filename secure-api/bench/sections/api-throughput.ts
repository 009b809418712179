// Section 1: throughput and latency of every route under test, with 1 and with 50 connections,
// the same valid token on every request. Each route is warmed up, then measured in rounds that
// go through all routes in turn (one server under load at a time), in reverse order every other
// round, so that slow drifts of the shared machine's background load touch every route alike,
// and each run starts after a full garbage collection in its server, so that no route pays for
// the garbage of the route measured before it on the same server;
// req/s, p50 and p99 are the medians of the rounds' figures, and each round's req/s is kept for
// the per-round ratios of the targets.
import type { ThroughputRow } from '../report/bench-results.js';
import { type LoadResult, runLoad } from '../support/load-run.js';
import type { ServerProcess } from '../support/server-process.js';
import { median } from '../support/statistics.js';

export const CONNECTION_COUNTS = [1, 50] as const;
// BENCH_MEASURE_SECONDS shortens the runs while working on the bench itself.
export const MEASURE_SECONDS = Number(process.env.BENCH_MEASURE_SECONDS ?? 9);
export const WARM_UP_SECONDS = Math.min(1, MEASURE_SECONDS);
export const ROUNDS = 9;

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
      await runLoad({ url: route.url, connections, durationSeconds: WARM_UP_SECONDS, headers });
    }
    const runs = new Map<RouteUnderLoad, MeasuredRun[]>(routes.map((route) => [route, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const route of round % 2 === 0 ? routes : [...routes].reverse()) {
        await route.server.collectGarbage();
        const cpuBefore = await route.server.cpuMicros();
        const result = await runLoad({
          url: route.url,
          connections,
          durationSeconds: MEASURE_SECONDS / ROUNDS,
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
