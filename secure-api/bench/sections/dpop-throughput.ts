// Section 6: DPoP. GET /secure with a fresh ES256 proof on every request (the proofs are made
// before any measured run, one per request, since secure-api refuses a replayed proof), side by
// side with Bearer on the same secure-api process and with Express + express-oauth2-jwt-bearer
// with DPoP required, fed the same proofs (it keeps no replay cache, so it cycles through
// them). All three see the same Host (bench.local), which is what the proofs' htu names. Every
// route sends its headers through autocannon's per-request setupRequest, so the load generator
// does the same work for each. Then the ES256 verification floor: crypto.verify alone on the
// same proofs, in this process, between the runs.
import { verify } from 'node:crypto';
import type { DpopFigures, DpopRow } from '../report/bench-results.js';
import type { ServerConfig } from '../servers/child-protocol.js';
import { type BenchSigningKey, claimsFor, signToken } from '../support/bench-tokens.js';
import {
  BENCH_DPOP_HOST,
  createDpopClientKey,
  type DpopClientKey,
  makeProofPool,
} from '../support/dpop-proofs.js';
import { runLoad } from '../support/load-run.js';
import { ServerProcess } from '../support/server-process.js';
import { median } from '../support/statistics.js';

export interface DpopSectionOptions {
  ours: ServerProcess;
  express: ServerProcess;
  /** A token bound to `key` (cnf.jkt) and an unbound one, same claims otherwise. */
  boundToken: string;
  bearerToken: string;
  key: DpopClientKey;
  /** Distinct proofs of GET http://bench.local/secure for boundToken. */
  proofs: string[];
  connections: number;
  rounds: number;
  runSeconds: number;
  log: (line: string) => void;
}

interface Route {
  id: DpopRow['id'];
  label: string;
  server: ServerProcess;
  headers: () => Record<string, string>;
}

/** ES256 verifications per second of the proofs' signatures with node:crypto (the floor). */
function es256Floor(key: DpopClientKey, proofs: string[], seconds: number): number {
  const publicKey = key.publicJwk;
  const parsed = proofs.slice(0, 1000).map((proof) => {
    const [header, payload, signature] = proof.split('.') as [string, string, string];
    return {
      input: Buffer.from(`${header}.${payload}`),
      signature: Buffer.from(signature, 'base64url'),
    };
  });
  const keyObject = { key: publicKey, format: 'jwk' as const, dsaEncoding: 'ieee-p1363' as const };
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  let count = 0;
  while (process.hrtime.bigint() < deadline) {
    for (const { input, signature } of parsed) {
      if (!verify('sha256', input, keyObject, signature)) throw new Error('a bench proof failed');
    }
    count += parsed.length;
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

export async function measureDpop(options: DpopSectionOptions): Promise<DpopFigures> {
  const { proofs, connections, runSeconds, log } = options;
  let oursCursor = 0;
  let oursReused = 0;
  let expressCursor = 0;
  const host = BENCH_DPOP_HOST;
  const routes: Route[] = [
    {
      id: 'ours-dpop',
      label: 'secure-api GET /secure, DPoP (a fresh ES256 proof per request)',
      server: options.ours,
      headers: () => {
        if (oursCursor === proofs.length) {
          oursCursor = 0; // out of proofs: the replays are refused and show as failures
          oursReused += 1;
        }
        const proof = proofs[oursCursor++] as string;
        return { host, authorization: `DPoP ${options.boundToken}`, dpop: proof };
      },
    },
    {
      id: 'ours-bearer',
      label: 'secure-api GET /secure, Bearer (same server)',
      server: options.ours,
      headers: () => ({ host, authorization: `Bearer ${options.bearerToken}` }),
    },
    {
      id: 'express-dpop',
      label: 'Express 5 + express-oauth2-jwt-bearer, DPoP required (same proofs)',
      server: options.express,
      headers: () => {
        const proof = proofs[expressCursor] as string;
        expressCursor = (expressCursor + 1) % proofs.length;
        return { host, authorization: `DPoP ${options.boundToken}`, dpop: proof };
      },
    },
  ];
  const run = (route: Route): ReturnType<typeof runLoad> =>
    runLoad({
      url: `${route.server.url}/secure`,
      connections,
      durationSeconds: runSeconds,
      requests: [
        {
          method: 'GET',
          path: '/secure',
          setupRequest: (request) => ({ ...request, headers: route.headers() }),
        },
      ],
    });

  for (const route of routes) await run(route); // warm-up (JIT, key imports, token caches)
  const measured = new Map<Route, Array<Awaited<ReturnType<typeof runLoad>> & { cpu: number }>>(
    routes.map((route) => [route, []]),
  );
  for (let round = 0; round < options.rounds; round += 1) {
    for (const route of round % 2 === 0 ? routes : [...routes].reverse()) {
      const cpuBefore = await route.server.cpuMicros();
      const result = await run(route);
      const cpuSeconds = ((await route.server.cpuMicros()) - cpuBefore) / 1e6;
      measured.get(route)?.push({ ...result, cpu: result.responses / cpuSeconds });
    }
  }
  const rows = routes.map((route): DpopRow => {
    const results = measured.get(route) ?? [];
    const failures = results.reduce((sum, r) => {
      const ok = Object.entries(r.statuses)
        .filter(([status]) => status.startsWith('2'))
        .reduce((n, [, count]) => n + count, 0);
      return sum + r.responses - ok + r.errors;
    }, 0);
    const row: DpopRow = {
      id: route.id,
      label: route.label,
      connections,
      requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
      roundRequestsPerSecond: results.map((r) => r.requestsPerSecond),
      requestsPerCpuSecond: median(results.map((r) => r.cpu)),
      p50Ms: median(results.map((r) => r.p50Ms)),
      p99Ms: median(results.map((r) => r.p99Ms)),
      failures,
    };
    log(
      `  ${row.label}, ${connections} conn: ${Math.round(row.requestsPerSecond)} req/s ` +
        `(rounds ${row.roundRequestsPerSecond.map(Math.round).join(', ')}; ` +
        `${Math.round(row.requestsPerCpuSecond)} per server CPU-second), ` +
        `p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms` +
        (row.failures > 0 ? `, ${row.failures} FAILED` : ''),
    );
    return row;
  });
  const floor = es256Floor(options.key, proofs, 1);
  log(`  ES256 verification floor (crypto.verify, this process): ${Math.round(floor)}/s`);
  return {
    rows,
    connections,
    rounds: options.rounds,
    runSeconds,
    proofs: proofs.length,
    proofsUsedByOurs: oursReused * proofs.length + oursCursor,
    proofPoolExhausted: oursReused > 0,
    es256VerifyFloorPerSecond: floor,
  };
}

export interface DpopSectionSetup {
  issuer: string;
  serverConfig: ServerConfig;
  /** A key of the served key set, to sign the bound and the unbound token. */
  signingKey: BenchSigningKey;
  serverCore?: number;
  rounds: number;
  runSeconds: number;
  proofCount: number;
  log: (line: string) => void;
}

/** Starts secure-api and the Express DPoP server, makes the tokens and proofs, measures. */
export async function runDpopSection(setup: DpopSectionSetup): Promise<DpopFigures> {
  const { issuer, signingKey, log } = setup;
  const key = createDpopClientKey();
  const sign = (extra: Record<string, unknown>): string =>
    signToken(signingKey.kid, claimsFor(issuer, extra), signingKey.privateKey);
  const boundToken = sign({ cnf: { jkt: key.jkt }, jti: 'bench-dpop-bound' });
  const bearerToken = sign({ jti: 'bench-dpop-bearer' });
  const [ours, express] = await Promise.all([
    ServerProcess.start('our-app.server', setup.serverConfig, setup.serverCore),
    ServerProcess.start('express-jwt-bearer-dpop.server', setup.serverConfig, setup.serverCore),
  ]);
  try {
    const started = performance.now();
    const proofs = makeProofPool(key, boundToken, '/secure', setup.proofCount);
    log(
      `  ${proofs.length} ES256 proofs made in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return await measureDpop({
      ours,
      express,
      boundToken,
      bearerToken,
      key,
      proofs,
      connections: 50,
      rounds: setup.rounds,
      runSeconds: setup.runSeconds,
      log,
    });
  } finally {
    await Promise.all([ours.close(), express.close()]);
  }
}
