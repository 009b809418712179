// `npm run bench -w twilio-auth0-client`: the function side of the benchmark. The built
// /test-api-call handler runs in this process (the runtime's globals and context, as in the
// tests) against the Auth0 and Sync stand-ins and the real secure-api, and this measures:
//  - invocation latency with a token from warm memory, from Sync (new container) and from Auth0
//    (new container, empty Sync document), with the API call's own time shown apart;
//  - Sync reads and token requests over memory-hit invocations (expected: none);
//  - token requests over 1,000 invocations by 20 concurrent callers across a token rollover
//    (expected: exactly one refresh).
// Writes bench/results/latest.json, which secure-api's bench merges into the full report.
// Figures only: nothing here fails on a timing.
import { startAuth0StandIn, startSyncStandIn } from 'local-stack';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { ApiCallTimer } from './support/api-call-timer';
import {
  type Env,
  type Handler,
  installRuntimeGlobals,
  invoke,
  loadInFreshContainer,
  PACKAGE_DIR,
} from './support/function-runtime';
import { startSecureApi } from './support/secure-api-process';

const RESULTS_FILE = join(PACKAGE_DIR, 'bench/results/latest.json');
const FUNCTION = 'test-api-call';
const AUDIENCE = 'https://secure-api.local';
const WARM_UP_INVOCATIONS = 300;
const MEMORY_HITS = 1_000;
const SYNC_HITS = 60;
const COLD_FETCHES = 30;
const ROLLOVER_INVOCATIONS = 1_000;
const ROLLOVER_CALLERS = 20;
/** Short enough to roll over within seconds, above the client's 5 s minimum. */
const ROLLOVER_TOKEN_LIFETIME_S = 6;
/** The callers' invocations are spread over this share of the token lifetime. */
const ROLLOVER_SPAN = 1.35;

interface Sample {
  totalMs: number;
  apiMs: number;
}

interface Body {
  token?: { source?: string };
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)]!;
}

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<void> {
  installRuntimeGlobals();
  // The functions log one JSON line per invocation; thousands of them would only add noise.
  console.log = () => undefined;

  const [auth0, sync] = await Promise.all([startAuth0StandIn(), startSyncStandIn()]);
  const api = await startSecureApi(auth0.url, AUDIENCE).catch(async (error: unknown) => {
    await Promise.all([auth0.close(), sync.close()]);
    throw error;
  });
  const timer = new ApiCallTimer(api.url);
  let documents = 0;
  const envWithNewDocument = (): Env => {
    documents += 1;
    return {
      ACCOUNT_SID: sync.accountSid,
      AUTH_TOKEN: sync.authToken,
      TWILIO_SYNC_SERVICE_SID: 'IS00000000000000000000000000000b01',
      TWILIO_SYNC_TOKEN_DOC: `bench-token-${process.pid}-${documents}`,
      TWILIO_SYNC_BASE_URL: sync.url,
      AUTH0_TOKEN_URL: auth0.tokenUrl,
      AUTH0_CLIENT_ID: 'local-m2m-client',
      AUTH0_CLIENT_SECRET: 'local-m2m-secret-change-me',
      AUTH0_AUDIENCE: AUDIENCE,
      API_BASE_URL: api.url,
      ENABLE_TEST_ENDPOINT: 'true',
    };
  };

  /** One timed invocation; checks the answer and where the token came from. */
  const timed = async (handler: Handler, env: Env, expected?: string): Promise<Sample> => {
    timer.take();
    const started = performance.now();
    const response = await invoke(handler, env, `/${FUNCTION}`);
    const totalMs = performance.now() - started;
    const source = (response.body as Body).token?.source;
    if (response.statusCode !== 200 || (expected && source !== expected)) {
      throw new Error(
        `invocation answered ${response.statusCode} with token source ${source} (expected ${expected})`,
      );
    }
    return { totalMs, apiMs: timer.take().ms };
  };
  const summarise = (id: 'memory' | 'sync' | 'cold', label: string, samples: Sample[]) => {
    const row = {
      id,
      label,
      invocations: samples.length,
      p50Ms: percentile(
        samples.map((s) => s.totalMs),
        0.5,
      ),
      p99Ms: percentile(
        samples.map((s) => s.totalMs),
        0.99,
      ),
      apiP50Ms: percentile(
        samples.map((s) => s.apiMs),
        0.5,
      ),
      otherP50Ms: percentile(
        samples.map((s) => s.totalMs - s.apiMs),
        0.5,
      ),
    };
    print(
      `  ${label}: p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms ` +
        `(API call p50 ${row.apiP50Ms.toFixed(2)} ms, the rest p50 ${row.otherP50Ms.toFixed(2)} ms)`,
    );
    return row;
  };

  try {
    print('3. function side: /test-api-call in-process, stand-ins, real secure-api');
    // Warm-up: JIT, connections, the API's verified-token cache.
    const warmEnv = envWithNewDocument();
    const warmHandler = loadInFreshContainer(FUNCTION);
    for (let i = 0; i < WARM_UP_INVOCATIONS; i += 1) await timed(warmHandler, warmEnv);

    const cold: Sample[] = [];
    let lastColdEnv = warmEnv;
    for (let i = 0; i < COLD_FETCHES; i += 1) {
      lastColdEnv = envWithNewDocument();
      cold.push(await timed(loadInFreshContainer(FUNCTION), lastColdEnv, 'auth0'));
    }
    const syncHits: Sample[] = [];
    for (let i = 0; i < SYNC_HITS; i += 1) {
      syncHits.push(await timed(loadInFreshContainer(FUNCTION), lastColdEnv, 'sync'));
    }

    const memoryHandler = loadInFreshContainer(FUNCTION);
    await timed(memoryHandler, lastColdEnv, 'sync');
    sync.resetCounters();
    auth0.resetCounters();
    const memoryHits: Sample[] = [];
    for (let i = 0; i < MEMORY_HITS; i += 1) {
      memoryHits.push(await timed(memoryHandler, lastColdEnv, 'memory'));
    }
    const memoryHit = {
      invocations: MEMORY_HITS,
      syncReads: sync.counters().reads,
      tokenRequests: auth0.counters().tokenRequests,
    };
    const latency = [
      summarise('memory', 'token from warm memory', memoryHits),
      summarise('sync', 'token from Sync (new container)', syncHits),
      summarise('cold', 'token from Auth0 (new container, empty Sync)', cold),
    ];
    print(
      `  memory hits: ${memoryHit.syncReads} Sync reads, ${memoryHit.tokenRequests} token requests ` +
        `over ${MEMORY_HITS} invocations`,
    );

    // Rollover: a fresh container fetches a short-lived token, then 20 callers invoke 1,000
    // times, spread over the token's life and past it (its refresh margin is the last 10 %).
    auth0.setTokenLifetime(ROLLOVER_TOKEN_LIFETIME_S);
    const rolloverEnv = envWithNewDocument();
    const rolloverHandler = loadInFreshContainer(FUNCTION);
    await timed(rolloverHandler, rolloverEnv, 'auth0');
    const fetchedAt = performance.now();
    sync.resetCounters();
    auth0.resetCounters();
    const perCaller = ROLLOVER_INVOCATIONS / ROLLOVER_CALLERS;
    const spacingMs = (ROLLOVER_TOKEN_LIFETIME_S * 1000 * ROLLOVER_SPAN) / perCaller;
    const sources: Record<string, number> = {};
    let failures = 0;
    await Promise.all(
      Array.from({ length: ROLLOVER_CALLERS }, async (_unused, caller) => {
        for (let k = 0; k < perCaller; k += 1) {
          const slot = fetchedAt + k * spacingMs + (caller * spacingMs) / ROLLOVER_CALLERS;
          const wait = slot - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          try {
            const response = await invoke(rolloverHandler, rolloverEnv, `/${FUNCTION}`);
            const source = (response.body as Body).token?.source ?? 'none';
            if (response.statusCode !== 200) failures += 1;
            sources[source] = (sources[source] ?? 0) + 1;
          } catch {
            failures += 1;
          }
        }
      }),
    );
    const rollover = {
      invocations: ROLLOVER_INVOCATIONS,
      concurrency: ROLLOVER_CALLERS,
      tokenLifetimeSeconds: ROLLOVER_TOKEN_LIFETIME_S,
      seconds: (performance.now() - fetchedAt) / 1000,
      tokenRequests: auth0.counters().tokenRequests,
      syncReads: sync.counters().reads,
      failures,
      sources,
    };
    auth0.setTokenLifetime(86_400);
    print(
      `  rollover: ${rollover.tokenRequests} token request(s) over ${ROLLOVER_INVOCATIONS} ` +
        `invocations by ${ROLLOVER_CALLERS} callers in ${rollover.seconds.toFixed(1)} s ` +
        `(sources ${JSON.stringify(sources)}, ${rollover.syncReads} Sync reads, ${failures} failed)`,
    );

    const results = { generatedAt: new Date().toISOString(), latency, memoryHit, rollover };
    const options = (await prettier.resolveConfig(RESULTS_FILE)) ?? {};
    mkdirSync(join(PACKAGE_DIR, 'bench/results'), { recursive: true });
    writeFileSync(
      RESULTS_FILE,
      await prettier.format(JSON.stringify(results), { ...options, filepath: RESULTS_FILE }),
    );
    print(`  written: ${RESULTS_FILE}`);
  } finally {
    await api.close();
    await Promise.all([auth0.close(), sync.close()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `function-side bench failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
