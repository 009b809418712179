// PROTOTYPE measurement (not part of `npm run bench`): the guard's cache-miss path with the
// current JwtStrategy and without passport (direct-verify.ts, header-only pre-parse included),
// against jsonwebtoken with a PEM string, in alternating rounds in one process (calls per
// CPU-second). Run after a bench build:
//   node dist/bench/bench/prototypes/miss-path.prototype.js
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import jsonwebtoken from 'jsonwebtoken';
import { createPublicKey } from 'node:crypto';
import type { AuthOptions } from '../../src/auth/auth-options.js';
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
import { AUDIENCE, claimsFor, createBenchSigningKey, signToken } from '../support/bench-tokens.js';
import { KeySetServer } from '../support/key-set-server.js';
import { directVerifier } from './direct-verify.js';

const ISSUER = 'http://127.0.0.1:4000/';

/** Calls per CPU-second of this process (robust to other processes on a shared machine). */
async function rate(fn: () => unknown, ms: number): Promise<number> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let calls = 0;
  while (performance.now() - started < ms) {
    for (let i = 0; i < 64; i += 1) {
      const result = fn();
      if (result instanceof Promise) await result;
    }
    calls += 64;
  }
  const used = process.cpuUsage(cpu);
  return (calls * 1e6) / (used.user + used.system);
}

function contextFor(token: string): ExecutionContext {
  const request = { headers: { authorization: `Bearer ${token}` } };
  const handler = (): void => undefined;
  return {
    getHandler: () => handler,
    getClass: () => Object,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

async function main(): Promise<void> {
  const key = createBenchSigningKey();
  const keySet = await new KeySetServer([key.jwk]).start();
  const tokens = [1, 2].map((n) =>
    signToken(key.kid, claimsFor(ISSUER, { jti: `p-${n}` }), key.privateKey),
  );
  const options: AuthOptions = { issuer: ISSUER, audience: AUDIENCE, jwksUri: keySet.jwksUri };
  const keys = new SigningKeyStore({
    ...DEFAULT_SIGNING_KEY_STORE_OPTIONS,
    jwksUri: keySet.jwksUri,
  });
  await keys.refresh();
  const missGuard = (strategy: JwtStrategy): JwtAuthGuard =>
    new JwtAuthGuard(
      new Reflector(),
      strategy,
      keys,
      new VerifiedTokenCache({ ...DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS, maxEntries: 1 }),
      options,
    );
  const current = missGuard(new JwtStrategy(options, keys));
  const contexts = tokens.map(contextFor);
  const direct = directVerifier(
    options,
    keys,
    new VerifiedTokenCache({ ...DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS, maxEntries: 1 }),
  );
  const authorizations = tokens.map((token) => `Bearer ${token}`);
  const pem = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  let turn = 0;
  const paths: Array<[string, () => unknown]> = [
    [
      'jsonwebtoken PEM',
      () =>
        jsonwebtoken.verify(tokens[0]!, pem, {
          algorithms: ['RS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
        }),
    ],
    ['ours miss (current)', () => current.canActivate(contexts[(turn ^= 1)]!)],
    ['miss without passport (direct-verify.ts)', () => direct(authorizations[(turn ^= 1)]!)],
  ];
  const totals = new Map<string, number[]>();
  for (let round = 0; round < 4; round += 1) {
    for (const [label, fn] of paths) {
      const value = await rate(fn, round === 0 ? 300 : 1000);
      if (round > 0) totals.set(label, [...(totals.get(label) ?? []), value]);
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[1] ?? Number.NaN;
  const pemRate = median(totals.get('jsonwebtoken PEM') ?? []);
  for (const [label, values] of totals) {
    const perSecond = median(values);
    console.log(
      `${label}: ${Math.round(perSecond)}/s, ${(1e6 / perSecond).toFixed(1)} µs, ` +
        `${(perSecond / pemRate).toFixed(2)}x jsonwebtoken PEM`,
    );
  }
  await keySet.close();
}

void main();
