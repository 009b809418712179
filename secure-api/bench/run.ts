// `npm run bench` for secure-api: runs every API-side section in one process layout on loopback
// (servers in child processes, one at a time; the load generator here), merges the function
// side's figures written by twilio-auth0-client's bench, prints the report and the target
// lines, writes bench/results/latest.json and rewrites the README's Performance section.
// Figures only: nothing here fails on a timing.
import { startAuth0StandIn } from 'local-stack';
import { cpus, loadavg } from 'node:os';
import { DEFAULT_SIGNING_KEY_STORE_OPTIONS } from '../src/auth/signing-key-store.js';
import { DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS } from '../src/auth/verified-token-cache.js';
import { renderReadme } from './render-readme-table.js';
import type { BenchResults, FunctionSideFigures } from './report/bench-results.js';
import { markdownReport } from './report/markdown-report.js';
import { evaluateTargets } from './report/targets.js';
import {
  measureRoutes,
  ROUNDS,
  type RouteUnderLoad,
  RUN_SECONDS,
} from './sections/api-throughput.js';
import { measureDatabases } from './sections/database-throughput.js';
import { runDpopSection } from './sections/dpop-throughput.js';
import { hostileKidFlood } from './sections/hostile-kids.js';
import {
  floodWithDistinctTokens,
  mb,
  SECOND_HALF_GROWTH_BOUND_MB,
} from './sections/memory-flood.js';
import { runVerifyMicro } from './sections/verify-micro.js';
import { STOCK_ROUTE } from './servers/stock-jwt.module.js';
import {
  AUDIENCE,
  claimsFor,
  createBenchSigningKey,
  fetchStandInToken,
  randomKidToken,
  signToken,
} from './support/bench-tokens.js';
import { pinToCore, planCpuPinning, unpin } from './support/cpu-pinning.js';
import { FUNCTION_SIDE_RESULTS_FILE, README_FILE, RESULTS_FILE } from './support/bench-paths.js';
import { mintFlood } from './support/flood-minter.js';
import { readJsonFile, writeJsonFile } from './support/json-file.js';
import { KeySetServer, type PublicJwk } from './support/key-set-server.js';
import { ServerProcess } from './support/server-process.js';

const FLOOD_TOKENS = Number(process.env.BENCH_FLOOD_TOKENS ?? 100_000);
const HOSTILE_REQUESTS = 10_000;
/** Distinct DPoP proofs made before section 6: more than secure-api answers in its runs. */
const DPOP_PROOFS = Number(process.env.BENCH_DPOP_PROOFS ?? 80_000);

const log = (line: string): void => console.log(line);

async function main(): Promise<void> {
  const startedAt = performance.now();
  const pinning = planCpuPinning();
  const loadAverageAtStart = loadavg()[0] ?? Number.NaN;
  log(
    `secure-api bench — load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  if (loadAverageAtStart > 0.5) {
    log('  (the machine is busy: figures will be noisy; rerun when `uptime` shows < 0.5)');
  }

  const auth0 = await startAuth0StandIn();
  const token = await fetchStandInToken(auth0.tokenUrl);
  const floodKey = createBenchSigningKey();
  const standInKeys = (await (await fetch(auth0.jwksUri)).json()) as { keys: PublicJwk[] };
  const keySet = await new KeySetServer([...standInKeys.keys, floodKey.jwk]).start();
  const serverConfig = { issuer: auth0.issuer, audience: AUDIENCE, jwksUri: keySet.jwksUri };

  try {
    log('2. verification micro-benchmark (child process, one core)');
    const microTokens = [1, 2].map((n) =>
      signToken(floodKey.kid, claimsFor(auth0.issuer, { jti: `micro-${n}` }), floodKey.privateKey),
    ) as [string, string];
    const verify = await runVerifyMicro({ ...serverConfig, tokens: microTokens });
    for (const row of verify) log(`  ${row.label}: ${Math.round(row.opsPerSecond)}/s`);

    log(`1. API throughput and latency (${pinning.description})`);
    // All three server processes are up (idle ones cost nothing); one is under load at a time.
    const serverCore = pinning.cores?.server;
    if (pinning.cores) pinToCore(process.pid, pinning.cores.load);
    const nodeHttp = await ServerProcess.start('node-http.server', serverConfig, serverCore);
    const express = await ServerProcess.start(
      'express-jwt-bearer.server',
      serverConfig,
      serverCore,
    );
    const api = await ServerProcess.start('our-app.server', serverConfig, serverCore);
    try {
      const beforeLoad = await api.stats();
      const route = (
        id: RouteUnderLoad['id'],
        label: string,
        server: ServerProcess,
        path: string,
      ): RouteUnderLoad => ({ id, label, url: `${server.url}${path}`, server });
      const throughput = await measureRoutes(
        [
          route('node-http', 'plain node:http hello', nodeHttp, '/hello'),
          route(
            'express-oauth2-jwt-bearer',
            'Express 5 + express-oauth2-jwt-bearer',
            express,
            '/secure',
          ),
          route('unguarded', 'secure-api GET /health (unguarded)', api, '/health'),
          route('ours', 'secure-api GET /secure (our guard)', api, '/secure'),
          route(
            'stock',
            'secure-api + stock AuthGuard/passport-jwt/passportJwtSecret',
            api,
            STOCK_ROUTE,
          ),
        ],
        token,
        log,
      );
      await Promise.all([nodeHttp.close(), express.close()]);
      const afterLoad = await api.stats();

      log(`6. DPoP: a fresh proof per request (${pinning.description})`);
      const dpop = await runDpopSection({
        issuer: auth0.issuer,
        serverConfig,
        signingKey: floodKey,
        serverCore,
        rounds: ROUNDS[50],
        runSeconds: RUN_SECONDS,
        proofCount: DPOP_PROOFS,
        log,
      });

      // Minted only now, on every core: 100,000 tokens in this process's heap would slow the
      // load generator's garbage collection during the throughput runs.
      if (pinning.cores) unpin(process.pid);
      log(`4. minting ${FLOOD_TOKENS} distinct valid tokens for the memory flood`);
      const floodTokens = await mintFlood(floodKey, auth0.issuer, FLOOD_TOKENS);
      const hostileTokens = Array.from({ length: HOSTILE_REQUESTS }, () =>
        randomKidToken(auth0.issuer),
      );

      log(`4. memory: flood of ${floodTokens.length} distinct valid tokens on GET /secure`);
      const half = Math.floor(floodTokens.length / 2);
      const firstHalf = await floodWithDistinctTokens(api, '/secure', floodTokens.slice(0, half));
      const secondHalf = await floodWithDistinctTokens(api, '/secure', floodTokens.slice(half));
      const memory = {
        rssBeforeLoadMb: mb(beforeLoad.rssBytes),
        rssAfterLoadMb: mb(afterLoad.rssBytes),
        rssAfterHalfFloodMb: mb(firstHalf.after.rssBytes),
        rssAfterFloodMb: mb(secondHalf.after.rssBytes),
        heapUsedBeforeLoadMb: mb(beforeLoad.heapUsedBytes),
        heapUsedAfterLoadMb: mb(afterLoad.heapUsedBytes),
        heapUsedAfterHalfFloodMb: mb(firstHalf.after.heapUsedBytes),
        heapUsedAfterFloodMb: mb(secondHalf.after.heapUsedBytes),
        floodTokens: floodTokens.length,
        floodRequestsPerSecond: (firstHalf.requestsPerSecond + secondHalf.requestsPerSecond) / 2,
        floodSuccessRate: Math.min(firstHalf.successRate, secondHalf.successRate),
        verifiedTokenCacheEntries: secondHalf.after.extra.verifiedTokenCacheSize ?? Number.NaN,
        verifiedTokenCacheMaxEntries: DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS.maxEntries,
        secondHalfGrowthBoundMb: SECOND_HALF_GROWTH_BOUND_MB,
        secondHalfGrowthMb: mb(secondHalf.after.rssBytes - firstHalf.after.rssBytes),
      };
      log(
        `  RSS ${memory.rssBeforeLoadMb.toFixed(1)} → ${memory.rssAfterLoadMb.toFixed(1)} → ` +
          `${memory.rssAfterHalfFloodMb.toFixed(1)} → ${memory.rssAfterFloodMb.toFixed(1)} MB; ` +
          `${Math.round(memory.floodRequestsPerSecond)} req/s; ` +
          `cache ${memory.verifiedTokenCacheEntries} entries`,
      );

      log(`5. ${HOSTILE_REQUESTS} random-kid requests while valid traffic continues`);
      const hostileKids = await hostileKidFlood({
        url: `${api.url}/secure`,
        validToken: token,
        hostileTokens,
        keySet,
        unknownKidCooldownSeconds: DEFAULT_SIGNING_KEY_STORE_OPTIONS.unknownKidCooldownMs / 1000,
      });
      log(
        `  ${hostileKids.jwksFetches} JWKS fetches in ${hostileKids.seconds.toFixed(1)} s; ` +
          `valid: ${hostileKids.validRequests} requests, ${(hostileKids.validSuccessRate * 100).toFixed(2)} % served`,
      );

      log('6. database cost: SQLite against PostgreSQL');
      const databases = await measureDatabases(serverConfig, token, log);

      const functionSide = readJsonFile<FunctionSideFigures>(FUNCTION_SIDE_RESULTS_FILE);
      const figures = { throughput, verify, memory, hostileKids, functionSide, databases, dpop };
      const cpu = cpus();
      const results: BenchResults = {
        generatedAt: new Date().toISOString(),
        totalSeconds: (performance.now() - startedAt) / 1000,
        runSeconds: RUN_SECONDS,
        rounds: ROUNDS,
        machine: {
          cpus: cpu.length,
          cpuModel: cpu[0]?.model.trim() ?? 'unknown',
          node: process.version,
          platform: `${process.platform} ${process.arch}`,
          loadAverageAtStart,
          cpuPinning: pinning.description,
        },
        ...figures,
        targets: evaluateTargets(figures),
      };
      await writeJsonFile(RESULTS_FILE, results);
      renderReadme(results);
      log('');
      log(markdownReport(results));
      log('');
      log(`written: ${RESULTS_FILE}; README section rewritten: ${README_FILE}`);
    } finally {
      await Promise.all([nodeHttp.close(), express.close(), api.close()]);
    }
  } finally {
    await keySet.close();
    await auth0.close();
  }
}

main().catch((error: unknown) => {
  console.error(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
