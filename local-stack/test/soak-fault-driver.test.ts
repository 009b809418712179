// The soak's fault driver against real stand-ins (embedded, on free loopback ports): windows
// that overlap on one stand-in keep each other's faults when one ends, every fault is cleared
// when the run finishes, the token lifetime is set and restored, and the burst factor follows
// its window. No launcher and no child process: the driver only needs the stand-ins' URLs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  auth0Defaults,
  startAuth0StandIn,
  startSyncStandIn,
  type Auth0StandIn,
  type SyncStandIn,
} from '../src';
import { type RunningSystem } from '../src/launcher/system';
import { FaultDriver } from '../src/soak/fault-driver';
import { BURST_FACTOR, type FaultWindow } from '../src/soak/fault-schedule';

let auth0: Auth0StandIn;
let sync: SyncStandIn;

beforeAll(async () => {
  [auth0, sync] = await Promise.all([
    startAuth0StandIn({ enableControl: true }),
    startSyncStandIn({ enableControl: true }),
  ]);
});
afterAll(() => Promise.all([auth0.close(), sync.close()]));

/** The part of a running system the driver uses when no part is restarted. */
function standInsOnly(): RunningSystem {
  return { urls: { auth0: auth0.url, sync: sync.url } } as unknown as RunningSystem;
}

async function syncStatus(): Promise<number> {
  const response = await fetch(`${sync.url}/v1/Services/IS${'a'.repeat(32)}/Documents`, {
    headers: {
      Authorization: `Basic ${Buffer.from(`${sync.accountSid}:${sync.authToken}`).toString('base64')}`,
    },
  });
  await response.body?.cancel();
  return response.status;
}

async function tokenStatus(): Promise<{ status: number; expiresIn?: number }> {
  const response = await fetch(auth0.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: auth0Defaults.DEFAULT_CLIENT_ID,
      client_secret: auth0Defaults.DEFAULT_CLIENT_SECRET,
      audience: auth0Defaults.DEFAULT_AUDIENCE,
    }),
  });
  const body = (await response.json()) as { expires_in?: number };
  return { status: response.status, ...(body.expires_in ? { expiresIn: body.expires_in } : {}) };
}

/** Polls `probe` until it answers something other than `while`; returns that answer. */
async function until<T>(probe: () => Promise<T>, isStill: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await probe();
    if (!isStill(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('soak fault driver', () => {
  it('SK12: overlapping faults on one stand-in outlive each other’s end, and all are cleared at the finish', async () => {
    // Seconds apart, and checked by order rather than by time: W2 ends 2 s before W3 and W4.
    const windows: FaultWindow[] = [
      { id: 'W1', kind: 'short-token-lifetime', startS: 0, endS: 6 },
      { id: 'W2', kind: 'auth0-error', startS: 1, endS: 3 },
      { id: 'W3', kind: 'auth0-rate-limit', startS: 2, endS: 5 },
      { id: 'W4', kind: 'sync-unavailable', startS: 1, endS: 5 },
      { id: 'W5', kind: 'burst', startS: 1, endS: 3 },
    ];
    const driver = new FaultDriver({
      system: standInsOnly(),
      windows,
      tokenLifetimeS: 7,
      postgres: null,
      log: () => undefined,
    });
    await driver.start();
    // W1 is applied before start() resolves: the first token already has the short lifetime.
    expect(await tokenStatus()).toEqual({ status: 200, expiresIn: 7 });
    expect(driver.rateFactor(1.5)).toBe(BURST_FACTOR);
    expect(driver.rateFactor(3.5)).toBe(1);
    // W2 begins: Auth0 answers 500 (queued before W3's 429s, so used first) and Sync 503.
    await until(tokenStatus, (t) => t.status === 200);
    expect((await tokenStatus()).status).toBe(500);
    expect(await syncStatus()).toBe(503);
    // W2 ends: its 500s go, W3's 429s and W4's 503s stay.
    expect((await until(tokenStatus, (t) => t.status === 500)).status).toBe(429);
    expect(await syncStatus()).toBe(503);
    // W3 and W4 end: the stand-ins answer again, the lifetime is restored when W1 ends.
    expect((await until(tokenStatus, (t) => t.status === 429)).status).toBe(200);
    expect(await until(syncStatus, (status) => status === 503)).toBe(200);
    expect((await until(tokenStatus, (t) => t.expiresIn === 7)).expiresIn).toBe(86_400);
    const played = await driver.finish();
    expect(played.map((w) => w.problem)).toEqual(windows.map(() => undefined));
    for (const w of played) {
      expect(w.actualEndS).toBeGreaterThanOrEqual(w.actualStartS);
    }
  }, 30_000);
});
