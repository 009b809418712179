// Section 5: a flood of well-formed tokens with random kids (each unknown to the key set) while
// valid traffic goes on. The key store may refetch the key set at most once per cooldown, so
// the JWKS endpoint sees a bounded number of fetches, and every valid request still succeeds.
import type { HostileKidFigures } from '../report/bench-results.js';
import type { KeySetServer } from '../support/key-set-server.js';
import { type LoadResult, runLoad, successRate } from '../support/load-run.js';

const HOSTILE_CONNECTIONS = 20;
const VALID_CONNECTIONS = 10;

export async function hostileKidFlood(options: {
  url: string;
  validToken: string;
  hostileTokens: string[];
  keySet: KeySetServer;
  unknownKidCooldownSeconds: number;
}): Promise<HostileKidFigures> {
  const { url, validToken, hostileTokens, keySet } = options;
  const fetchesBefore = keySet.fetchCount;
  let next = 0;
  const started = performance.now();
  const hostile = runLoad({
    url,
    connections: HOSTILE_CONNECTIONS,
    amount: hostileTokens.length,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const token = hostileTokens[next % hostileTokens.length]!;
          next += 1;
          return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
        },
      },
    ],
  });
  // Valid traffic in back-to-back one-second runs for as long as the hostile flood lasts.
  const valid: LoadResult[] = [];
  let hostileDone = false;
  void hostile.then(() => (hostileDone = true));
  while (!hostileDone) {
    valid.push(
      await runLoad({
        url,
        connections: VALID_CONNECTIONS,
        durationSeconds: 1,
        headers: { authorization: `Bearer ${validToken}` },
      }),
    );
  }
  const hostileResult = await hostile;
  const seconds = (performance.now() - started) / 1000;
  const validTotals: Pick<LoadResult, 'statuses' | 'responses' | 'errors'> = {
    statuses: {},
    responses: 0,
    errors: 0,
  };
  for (const run of valid) {
    for (const [status, n] of Object.entries(run.statuses))
      validTotals.statuses[status] = (validTotals.statuses[status] ?? 0) + n;
    validTotals.responses += run.responses;
    validTotals.errors += run.errors;
  }
  const jwksFetches = keySet.fetchCount - fetchesBefore;
  return {
    hostileRequests: hostileResult.responses + hostileResult.errors,
    hostileStatuses: hostileResult.statuses,
    seconds,
    jwksFetches,
    jwksFetchBound: 1 + Math.ceil(seconds / options.unknownKidCooldownSeconds),
    unknownKidCooldownSeconds: options.unknownKidCooldownSeconds,
    validRequests: validTotals.responses + validTotals.errors,
    validSuccessRate: successRate(validTotals),
  };
}
