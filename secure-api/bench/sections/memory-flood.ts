// Section 4: RSS of the API process before and after the throughput load, then a flood of
// distinct valid tokens (each one a cache miss and a full verification), then RSS again. The
// verified-token cache is bounded (entries and total characters), so the flood must leave
// RSS growth under a fixed bound instead of growing with the number of tokens.
import type { ServerStats } from '../servers/child-protocol.js';
import type { ServerProcess } from '../support/server-process.js';
import { runLoad, successRate } from '../support/load-run.js';

const MB = 1024 * 1024;
const FLOOD_CONNECTIONS = 50;
/**
 * The stated bound of RSS growth during the flood. A full cache holds 10,000 entries of
 * ~0.9 KB token + ~0.6 KB claims and LRU bookkeeping (~15 MB); the bound leaves room for GC
 * slack. Without a bound, 100,000 entries would add ≥ 150 MB.
 */
export const FLOOD_GROWTH_BOUND_MB = 64;

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
