// Rollover: steady invocations across the refresh margin of a short-lived token. Two warm
// containers (two module registries, each with its own memory level) share the Sync document.
// Exactly one invocation claims the refresh; everyone keeps using the current token meanwhile,
// and the new token is in place before the old one expires: nobody waits for it.
import { expect, it, jest } from '@jest/globals';
import type { handler as Handler } from '../src/functions/test-api-call';
import { useFunctionFixture } from './support/function-fixture';
import { invoke, type Answer } from './support/invoke';
import { claimsOf } from './support/scripted-api';

const LIFETIME_SECONDS = 15; // refresh margin: the last 1.5 s (10 %)

const fixture = useFunctionFixture({ auth0: { tokenLifetimeSeconds: LIFETIME_SECONDS } });

/** The function as loaded in a fresh container: its own copy of every module, memory included. */
function freshContainer(): typeof Handler {
  let loaded: typeof Handler | undefined;
  jest.isolateModules(() => {
    loaded = (module.require('../src/functions/test-api-call') as { handler: typeof Handler })
      .handler;
  });
  return loaded!;
}

it('Rollover: steady invocations across the refresh margin make exactly 1 new token request, and none waits for it', async () => {
  const containers = [freshContainer(), freshContainer()];
  const env = fixture.env();
  const primed = await invoke(containers[0]!, env, '/test-api-call');
  expect(primed.status).toBe(200);
  const first = fixture.api.calls.at(-1)!.token!;
  const firstExpiresAtMs = Number(claimsOf(first).exp) * 1000;
  fixture.auth0.resetCounters();
  const callsBefore = fixture.api.calls.length;

  // One invocation every 100 ms, alternating containers, until the first token has expired
  // and the next one has been in use for a while (bounded: at most 200 invocations).
  const answers: Array<Promise<Answer>> = [];
  for (let i = 0; i < 200 && Date.now() < firstExpiresAtMs + 1000; i += 1) {
    answers.push(invoke(containers[i % 2]!, env, '/test-api-call'));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const settled = await Promise.all(answers);

  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(settled.map((a) => a.status)).toEqual(settled.map(() => 200));
  expect(settled.filter((a) => a.body.token.waited)).toHaveLength(0);
  const claims = fixture.logs
    .records()
    .filter((r) => (r.events ?? []).includes('refresh_ahead_claimed'));
  expect(claims).toHaveLength(1);

  const calls = fixture.api.calls.slice(callsBefore);
  const tokens = [...new Set(calls.map((c) => c.token))];
  expect(tokens).toHaveLength(2);
  const second = tokens.find((t) => t !== first)!;
  // The new token was in use before the old one expired.
  expect(Math.min(...calls.filter((c) => c.token === second).map((c) => c.at))).toBeLessThan(
    firstExpiresAtMs,
  );
  // Both containers moved on to the new token.
  expect(settled.slice(-2).map((a) => a.body.token.fingerprint)).toEqual([
    settled.at(-1)!.body.token.fingerprint,
    settled.at(-1)!.body.token.fingerprint,
  ]);
}, 40_000);
