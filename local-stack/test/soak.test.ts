// The soak: its verdict logic on measurements made up to show each defect it must catch, then
// the 20-second version of `npm run soak` on the whole system (the launcher's startSystem, real
// child processes) with the shortened fault schedule. Its verdict is asserted, never a timing.
// Needs every package built (`npm test` builds first; by hand: `npm run build`).
import { describe, expect, it } from '@jest/globals';
import { type PlayedWindow } from '../src/soak/fault-driver';
import { faultSchedule } from '../src/soak/fault-schedule';
import { runSoak } from '../src/soak/run-soak';
import { SecretScanner } from '../src/soak/secret-scan';
import { soakTable } from '../src/soak/soak-report';
import { judgeSoak, type SoakMeasurements } from '../src/soak/soak-verdict';
import { judge, type InvocationRecord } from '../src/soak/studio-load';

function played(kind: PlayedWindow['kind'], startS: number, endS: number, id = 'W1'): PlayedWindow {
  return { id, kind, startS, endS, actualStartS: startS, actualEndS: endS };
}

function call(over: Partial<InvocationRecord> = {}): InvocationRecord {
  return {
    seq: 0,
    kind: 'lookup-known',
    attempt: 1,
    startMs: 500,
    endMs: 520,
    status: 200,
    ok: true,
    code: null,
    ...over,
  };
}

/** A quiet, healthy run: every check passes; each test spoils one thing. */
function healthy(over: Partial<SoakMeasurements> = {}): SoakMeasurements {
  return {
    records: [
      call(),
      call({ seq: 5, kind: 'interaction', callSid: 'CA1', startMs: 700, endMs: 730 }),
    ],
    notSent: 0,
    windows: [played('short-token-lifetime', 0, 20, 'W1')],
    functionLog: [{ atMs: 520, totalMs: 20, events: ['token_request'] }],
    tokenRequests: 1,
    tokensIssued: 1,
    refusedPerSecond: [0],
    syncReads: 1,
    syncWrites: 1,
    stored: new Map([['CA1', 1]]),
    tokenLifetimeS: 8,
    functionDeadlineMs: 8000,
    memory: [{ part: 'api', startKb: 100_000, endKb: 110_000 }],
    secretsFound: [],
    ...over,
  };
}

function failedCheck(m: SoakMeasurements): string[] {
  return judgeSoak(m)
    .checks.filter((c) => !c.pass)
    .map((c) => c.name);
}

describe('soak verdict', () => {
  it('passes a healthy run', () => {
    expect(failedCheck(healthy())).toEqual([]);
    expect(judgeSoak(healthy()).pass).toBe(true);
  });

  it('SK1: a failure no fault window explains fails the verdict; the same failure inside its window does not', () => {
    const apiDown = call({
      startMs: 3000,
      endMs: 3010,
      status: 503,
      ok: false,
      code: 'API_UNAVAILABLE',
    });
    const withWindow = healthy({
      records: [...healthy().records, apiDown],
      windows: [...healthy().windows, played('api-restart', 2.5, 4, 'W2')],
    });
    expect(failedCheck(withWindow)).toEqual([]);
    // Inside a window, but one that cannot cause this code (Auth0 500 does not stop the API).
    const wrongWindow = healthy({
      records: [...healthy().records, apiDown],
      windows: [...healthy().windows, played('auth0-error', 2.5, 4, 'W2')],
    });
    const verdict = judgeSoak(wrongWindow);
    expect(verdict.pass).toBe(false);
    expect(verdict.unexplainedFailures).toHaveLength(1);
    expect(failedCheck(wrongWindow)).toContain('every failure explained by a fault window');
    expect(failedCheck(wrongWindow)).toEqual(['every failure explained by a fault window']);
    // With no fault at all, it is also a failure outside the windows.
    expect(failedCheck(healthy({ records: [...healthy().records, apiDown] }))).toEqual([
      'every failure explained by a fault window',
      '100 % success outside the fault windows',
    ]);
  });

  it('SK2: an interaction acknowledged to the caller but missing from the database fails the verdict', () => {
    const m = healthy({ stored: new Map() });
    expect(judgeSoak(m).acknowledgedNotStored).toBe(1);
    expect(failedCheck(m)).toEqual(['acknowledged interactions all stored']);
    // A database that cannot be read is no proof of anything.
    expect(failedCheck(healthy({ stored: null }))).toContain(
      'acknowledged interactions all stored',
    );
  });

  it('SK3: an interaction stored twice (a retried call without idempotency) is counted and fails the verdict', () => {
    const retried = healthy({
      records: [
        ...healthy().records,
        call({
          seq: 6,
          kind: 'interaction',
          callSid: 'CA2',
          status: 504,
          ok: false,
          code: 'DEADLINE_EXCEEDED',
          startMs: 900,
          endMs: 8900,
        }),
        call({
          seq: 6,
          kind: 'interaction',
          callSid: 'CA2',
          attempt: 2,
          startMs: 9900,
          endMs: 9950,
        }),
      ],
      windows: [...healthy().windows, played('auth0-hang', 0.5, 2, 'W2')],
      stored: new Map([
        ['CA1', 1],
        ['CA2', 2],
      ]),
    });
    const verdict = judgeSoak(retried);
    expect(verdict.storedTwice).toBe(1);
    expect(verdict.retries).toBe(1);
    expect(failedCheck(retried)).toEqual(['no interaction stored twice']);
  });

  it('SK4: token requests beyond rollovers + 1 fail the verdict unless a fault window explains them', () => {
    // 20 s at an 8 s lifetime: 2 rollovers, so 3 tokens are the budget.
    const renewals = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        atMs: 1000 * (i + 1),
        totalMs: 20,
        events: ['token_request'],
      }));
    expect(
      failedCheck(healthy({ functionLog: renewals(3), tokenRequests: 3, tokensIssued: 3 })),
    ).toEqual([]);
    const wasteful = healthy({ functionLog: renewals(5), tokenRequests: 5, tokensIssued: 5 });
    expect(failedCheck(wasteful)).toEqual([
      'token requests ≤ rollovers + 1, the rest explained by faults',
    ]);
    // Two direct fetches while Sync answered 503, and two requests Auth0 refused during its 500s.
    const explained = healthy({
      functionLog: [
        ...renewals(3),
        {
          atMs: 5200,
          totalMs: 50,
          events: ['sync_unavailable', 'token_request', 'token_fetched_without_sync'],
        },
        {
          atMs: 5400,
          totalMs: 50,
          events: ['sync_unavailable', 'token_request', 'token_fetched_without_sync'],
        },
      ],
      tokenRequests: 7,
      tokensIssued: 5,
      refusedPerSecond: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
      windows: [
        ...healthy().windows,
        played('sync-unavailable', 5, 6, 'W2'),
        played('auth0-error', 10, 11, 'W3'),
      ],
    });
    const verdict = judgeSoak(explained);
    expect(verdict.tokenRequestsByCause).toEqual({
      rollover: 3,
      sync: 2,
      auth0: 2,
      api: 0,
      unexplained: 0,
    });
    expect(verdict.pass).toBe(true);
    // The same refusals with no Auth0 fault open are unexplained.
    const refusedOutside = {
      ...explained,
      windows: explained.windows.filter((w) => w.kind !== 'auth0-error'),
    };
    expect(judgeSoak(refusedOutside).tokenRequestsByCause.unexplained).toBe(2);
    expect(judgeSoak(refusedOutside).pass).toBe(false);
  });

  it('SK5: a secret, a token or a private key in any captured output fails the verdict, named but not shown', () => {
    const secret = 'client-secret-value-123456';
    const scanner = new SecretScanner([{ name: 'AUTH0_CLIENT_SECRET', value: secret }]);
    scanner.scan('functions output', 'all quiet');
    expect(scanner.results()).toEqual([]);
    scanner.scan('functions output', `oops ${secret}`);
    scanner.scan(
      'api output',
      'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
    );
    scanner.scan('sync output', '-----BEGIN PRIVATE KEY-----');
    const found = scanner.results();
    expect(found).toEqual([
      'api output: a JWT',
      'functions output: AUTH0_CLIENT_SECRET',
      'sync output: a PEM private key',
    ]);
    expect(found.join(' ')).not.toContain(secret);
    expect(failedCheck(healthy({ secretsFound: found }))).toEqual([
      'no secret, token or private key in any output',
    ]);
  });

  it('SK6: a process whose memory grows past the stated bound fails the verdict', () => {
    const leaking = healthy({ memory: [{ part: 'functions', startKb: 100_000, endKb: 300_000 }] });
    expect(failedCheck(leaking)).toEqual(['RSS growth ≤ max(64 MiB, 50 %) per process']);
  });

  it('SK7: an invocation left unanswered, answered after Twilio would have ended it, or past its own deadline fails the verdict', () => {
    const silent = call({ status: null, ok: false, code: 'NO_ANSWER', endMs: 15_500 });
    const m = healthy({
      records: [...healthy().records, silent],
      windows: [...healthy().windows, played('api-restart', 0, 20, 'W2')],
    });
    expect(failedCheck(m)).toEqual([
      'every failure explained by a fault window',
      'every invocation answered within its deadline and 10 s',
    ]);
    // The function's own account of an invocation past its deadline fails it too.
    const overrun = healthy({
      functionLog: [{ atMs: 9000, totalMs: 8500, events: ['token_request'] }],
    });
    expect(failedCheck(overrun)).toEqual([
      'every invocation answered within its deadline and 10 s',
    ]);
  });

  it('SK8: a 200 that is not the right answer counts as a failure (WRONG_ANSWER)', () => {
    expect(judge('lookup-known', { phone: '+15005550001' }, 200, { found: false })).toEqual({
      ok: false,
      code: 'WRONG_ANSWER',
    });
    expect(judge('lookup-unknown', { phone: '+15005559001' }, 200, { found: false }).ok).toBe(true);
    expect(
      judge('interaction', {}, 200, { recorded: true, interactionId: 'int_1', replayed: true }),
    ).toEqual({
      ok: true,
      code: null,
      replayed: true,
      interactionId: 'int_1',
    });
    expect(judge('interaction', {}, 503, { error: { code: 'API_UNAVAILABLE' } }).code).toBe(
      'API_UNAVAILABLE',
    );
  });

  it('the schedules overlap, stay inside the run and leave PostgreSQL out without it', () => {
    for (const variant of ['full', 'short'] as const) {
      const seconds = variant === 'full' ? 180 : 20;
      const windows = faultSchedule({ seconds, postgres: false, variant });
      expect(windows.some((w) => w.kind === 'postgres-restart')).toBe(false);
      expect(
        faultSchedule({ seconds, postgres: true, variant }).some(
          (w) => w.kind === 'postgres-restart',
        ),
      ).toBe(true);
      for (const w of windows) {
        expect(w.startS).toBeGreaterThanOrEqual(0);
        expect(w.endS).toBeLessThanOrEqual(seconds);
      }
      const faults = windows.filter((w) => w.kind !== 'short-token-lifetime');
      const overlapping = faults.some((a) =>
        faults.some((b) => a !== b && a.startS < b.endS && b.startS < a.endS),
      );
      expect(overlapping).toBe(true);
    }
  });
});

describe('the 20-second soak of the whole system', () => {
  it('SK9: under the short fault schedule nothing is lost, nothing unexplained fails, and the verdict is PASS', async () => {
    const result = await runSoak({ seconds: 20, rate: 2, variant: 'short', database: 'auto' });
    const v = result.verdict;
    // The table says which check failed and why, should one fail.
    expect({ pass: v.pass, table: v.pass ? '' : soakTable(result) }).toEqual({
      pass: true,
      table: '',
    });
    // The accounting is consistent with the records it came from.
    const interactions = result.records.filter((r) => r.kind === 'interaction');
    const acknowledged = new Set(interactions.filter((r) => r.ok).map((r) => r.callSid));
    expect(v.acknowledged).toBe(acknowledged.size);
    expect(v.storedInteractions).toBeGreaterThanOrEqual(acknowledged.size);
    expect(v.invocations).toBe(result.records.length);
    expect(result.counters.auth0.tokensIssued).toBeGreaterThan(0);
    // RSS was read for every long-lived part (secure-api from its new process).
    expect(result.memory.map((p) => p.part).sort()).toEqual(['api', 'auth0', 'functions', 'sync']);
    // Every scheduled fault was played, and the API restart really happened.
    expect(result.windows.every((w) => w.actualEndS >= w.actualStartS)).toBe(true);
    expect(result.windows.find((w) => w.kind === 'api-restart')?.problem).toBeUndefined();
  }, 240_000);
});
