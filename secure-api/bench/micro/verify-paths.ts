// Child process of the verification micro-benchmark (one core, nothing else in this process):
// secure-api's own verification classes (JwtAuthGuard → JwtStrategy/passport-jwt →
// SigningKeyStore → VerifiedTokenCache) on a cache miss and on a hit, against the libraries'
// plain paths: jsonwebtoken with a PEM string (what passportJwtSecret hands passport-jwt), with
// a KeyObject, jose's jwtVerify, and crypto.verify of the signature alone (the floor).
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { AuthOptions } from '../../src/auth/auth-options.js';
import { DEFAULT_DPOP_OPTIONS, DpopVerifier } from '../../src/auth/dpop-verifier.js';
import { JwtAuthGuard } from '../../src/auth/jwt-auth.guard.js';
import { JwtStrategy } from '../../src/auth/jwt.strategy.js';
import {
  DEFAULT_SIGNING_KEY_STORE_OPTIONS,
  SigningKeyStore,
} from '../../src/auth/signing-key-store.js';
import {
  DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS,
  VerifiedTokenCache,
} from '../../src/auth/verified-token-cache.js';
import type { VerifyRow } from '../report/bench-results.js';

export interface MicroConfig {
  issuer: string;
  audience: string;
  jwksUri: string;
  /** Two valid tokens that differ only in `jti`, from a key in the key set. */
  tokens: [string, string];
}

const WARM_UP_MS = 300;
const ROUND_MS = 100;
const ROUNDS = 15;

/** CPU time of this process (user + system), in milliseconds. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface Sample {
  calls: number;
  cpuMs: number;
}

/**
 * Calls `fn` back to back for `ms` of wall time (async calls are awaited) and returns the calls
 * made and the CPU time this process spent on them. CPU time, not wall time: on a shared machine
 * other processes take the core away at random, which wall time would count against the path.
 */
async function sample(fn: () => unknown, ms: number): Promise<Sample> {
  const started = performance.now();
  const cpuStarted = cpuMs();
  let calls = 0;
  do {
    for (let i = 0; i < 64; i += 1) {
      const result = fn();
      if (result instanceof Promise) await result;
    }
    calls += 64;
  } while (performance.now() - started < ms);
  return { calls, cpuMs: cpuMs() - cpuStarted };
}

interface VerifyPath {
  id: string;
  label: string;
  fn: () => unknown;
}

/**
 * Warms every path up, then measures them in many short interleaved rounds (the machine is
 * shared: a burst of other work, or a slower stretch of the host, then hits every path alike)
 * and reports each path's calls per CPU-second over all its rounds.
 */
async function measure(paths: VerifyPath[]): Promise<VerifyRow[]> {
  for (const path of paths) await sample(path.fn, WARM_UP_MS);
  const totals = new Map<VerifyPath, Sample>(paths.map((path) => [path, { calls: 0, cpuMs: 0 }]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const path of round % 2 === 0 ? paths : [...paths].reverse()) {
      const { calls, cpuMs: spent } = await sample(path.fn, ROUND_MS);
      const total = totals.get(path)!;
      total.calls += calls;
      total.cpuMs += spent;
    }
  }
  return paths.map((path) => {
    const { calls, cpuMs: spent } = totals.get(path)!;
    const opsPerSecond = (calls * 1000) / spent;
    return { id: path.id, label: path.label, opsPerSecond, microsPerOp: 1e6 / opsPerSecond };
  });
}

async function publicKeyOf(jwksUri: string, kid: string): Promise<KeyObject> {
  const response = await fetch(jwksUri);
  const { keys } = (await response.json()) as { keys: Array<{ kid: string }> };
  const jwk = keys.find((key) => key.kid === kid);
  if (!jwk) throw new Error('the token kid is not in the key set');
  return createPublicKey({ key: jwk as never, format: 'jwk' });
}

interface BenchRequest {
  headers: Record<string, string>;
  raw: { rawHeaders: string[] };
  user?: unknown;
}

/** A request as Fastify hands it to the guard: parsed headers plus Node's rawHeaders. */
function benchRequest(authorization: string): BenchRequest {
  return {
    headers: { host: '127.0.0.1', authorization },
    raw: { rawHeaders: ['Host', '127.0.0.1', 'Authorization', authorization] },
  };
}

function fakeContext(request: BenchRequest): ExecutionContext {
  const handler = (): void => undefined;
  class BenchRoute {}
  return {
    getHandler: () => handler,
    getClass: () => BenchRoute,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

async function main(config: MicroConfig): Promise<VerifyRow[]> {
  const { issuer, audience, jwksUri, tokens } = config;
  const [token, otherToken] = tokens;
  const [headerSegment, payloadSegment, signatureSegment] = token.split('.') as [
    string,
    string,
    string,
  ];
  const { kid } = JSON.parse(Buffer.from(headerSegment, 'base64url').toString()) as { kid: string };
  const keyObject = await publicKeyOf(jwksUri, kid);
  const pem = keyObject.export({ type: 'spki', format: 'pem' }).toString();
  const signingInput = Buffer.from(`${headerSegment}.${payloadSegment}`);
  const signature = Buffer.from(signatureSegment, 'base64url');
  const jwtOptions = { algorithms: ['RS256' as const], issuer, audience };

  const options: AuthOptions = { issuer, audience, jwksUri };
  const keys = new SigningKeyStore({ ...DEFAULT_SIGNING_KEY_STORE_OPTIONS, jwksUri });
  await keys.refresh();
  const guardWith = (cache: VerifiedTokenCache): JwtAuthGuard =>
    new JwtAuthGuard(
      new Reflector(),
      new JwtStrategy(options, keys),
      keys,
      cache,
      new DpopVerifier(DEFAULT_DPOP_OPTIONS),
    );
  // Hits: the default cache, one token. Misses: a one-entry cache and two tokens in turn, so
  // each lookup misses and each verified token evicts the other (get, verify, set, as a miss
  // does in production; clearing a 10,000-slot cache per call would cost more than the miss).
  const hitGuard = guardWith(new VerifiedTokenCache({ ...DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS }));
  const missGuard = guardWith(
    new VerifiedTokenCache({ ...DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS, maxEntries: 1 }),
  );
  const hitRequest = benchRequest(`Bearer ${token}`);
  const hitContext = fakeContext(hitRequest);
  const missRequests = [token, otherToken].map((t) => benchRequest(`Bearer ${t}`));
  const missContexts = missRequests.map(fakeContext);
  for (const [guard, request, context] of [
    [hitGuard, hitRequest, hitContext],
    [missGuard, missRequests[1]!, missContexts[1]!],
  ] as const) {
    if (!(await guard.canActivate(context)) || request.user === undefined) {
      throw new Error('the guard did not accept the bench token');
    }
  }
  let turn = 0;

  return measure([
    {
      id: 'crypto-verify',
      label: 'crypto.verify, signature only (floor)',
      fn: () => verify('RSA-SHA256', signingInput, keyObject, signature),
    },
    {
      id: 'jsonwebtoken-pem',
      label: 'jsonwebtoken.verify, PEM string',
      fn: () => jsonwebtoken.verify(token, pem, jwtOptions),
    },
    {
      id: 'jsonwebtoken-keyobject',
      label: 'jsonwebtoken.verify, KeyObject',
      fn: () => jsonwebtoken.verify(token, keyObject, jwtOptions),
    },
    {
      id: 'jose',
      label: 'jose.jwtVerify (async), KeyObject',
      fn: () => jwtVerify(token, keyObject, { algorithms: ['RS256'], issuer, audience }),
    },
    {
      id: 'ours-miss',
      label: 'ours, verified-token cache miss (full verification)',
      fn: () => {
        turn ^= 1;
        return missGuard.canActivate(missContexts[turn]!);
      },
    },
    {
      id: 'ours-hit',
      label: 'ours, verified-token cache hit',
      fn: () => hitGuard.canActivate(hitContext),
    },
  ]);
}

const raw = process.env.BENCH_MICRO_CONFIG;
if (!raw) throw new Error('BENCH_MICRO_CONFIG is not set (started outside the bench?)');
main(JSON.parse(raw) as MicroConfig).then(
  (rows) => {
    process.send?.({ type: 'rows', rows }, () => process.exit(0));
  },
  (error: unknown) => {
    process.send?.(
      { type: 'failed', message: error instanceof Error ? error.message : String(error) },
      () => process.exit(1),
    );
  },
);
