// Section 4: RSS of the API process before and after the throughput load, then a flood of
// distinct valid tokens (each one a cache miss and a full verification) in two halves, with
// RSS after each. The verified-token cache is bounded (entries and total characters), so once
// the first half has filled it, the second half must leave RSS where it was (within a bound)
// instead of growing with the number of tokens.
import type { ServerStats } from '../servers/child-protocol.js';
import type { ServerProcess } from '../support/server-process.js';
import { runLoad, successRate } from '../support/load-run.js';

const MB = 1024 * 1024;
const FLOOD_CONNECTIONS = 50;
/**
 * The stated bound. The flood is sent in two halves of 50,000 tokens: the first fills the
 * cache (10,000 entries of ~0.9 KB token + ~0.6 KB claims and bookkeeping, ~15 MB of heap) and
 * brings the allocator to its working size; the second must then add at most this much RSS.
 * An unbounded cache would keep all 50,000 more entries: ≥ 75 MB.
 */
export const SECOND_HALF_GROWTH_BOUND_MB = 16;

export function mb(bytes: number): number {
  return bytes / MB;
}

export interface FloodResult {
  requestsPerSecond: number;
  successRate: number;
  after: ServerStats;
}

export async function floodWithDistinctTokens(
  server: ServerProcess,
  path: string,
  tokens: string[],
): Promise<FloodResult> {
  let next = 0;
  const result = await runLoad({
    url: `${server.url}${path}`,
    connections: FLOOD_CONNECTIONS,
    amount: tokens.length,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const token = tokens[next % tokens.length]!;
          next += 1;
          return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requestsPerSecond,
    successRate: successRate(result),
    after: await server.stats(),
  };
}
