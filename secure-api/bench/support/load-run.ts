// One autocannon run from this (the parent) process, with every response's exact time kept so
// that p50/p99 have microsecond resolution (autocannon's own histogram counts whole ms).
import autocannon, { type RequestSpec } from 'autocannon';
import { percentile } from './statistics.js';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds, or a fixed number of requests with `amount`. */
  durationSeconds?: number;
  amount?: number;
  headers?: Record<string, string>;
  requests?: RequestSpec[];
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  responses: number;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
  errors: number;
  seconds: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let times = new Float64Array(1 << 16);
  let count = 0;
  const statuses: Record<string, number> = {};
  const started = process.hrtime.bigint();
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount === undefined
      ? { duration: options.durationSeconds ?? 5 }
      : { amount: options.amount }),
    timeout: 10,
    headers: options.headers ?? {},
    ...(options.requests ? { requests: options.requests } : {}),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (count === times.length) {
      const grown = new Float64Array(times.length * 2);
      grown.set(times);
      times = grown;
    }
    times[count] = responseTimeMs;
    count += 1;
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const result = await instance;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = times.subarray(0, count).sort();
  return {
    requestsPerSecond: count / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    responses: count,
    statuses,
    errors: result.errors + result.timeouts,
    seconds,
  };
}

/** Share of responses with a 2xx status. */
export function successRate(result: Pick<LoadResult, 'statuses' | 'responses' | 'errors'>): number {
  const ok = Object.entries(result.statuses)
    .filter(([status]) => status.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
  const attempts = result.responses + result.errors;
  return attempts === 0 ? 0 : ok / attempts;
}
