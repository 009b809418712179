// Counters and fault injection of the Sync stand-in, through its API (seen by the twilio
// SDK) and its /__control routes (which exist only when enabled).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import { startSyncStandIn, type SyncStandIn } from '../src';
import { isLoopbackAddress } from '../src/shared/loopback';

const SERVICE = `IS${'c'.repeat(32)}`;
let standIn: SyncStandIn;
let closed: SyncStandIn;
let client: twilio.Twilio;

beforeAll(async () => {
  standIn = await startSyncStandIn({ enableControl: true });
  closed = await startSyncStandIn();
  client = twilio(standIn.accountSid, standIn.authToken);
  client.sync.baseUrl = standIn.url;
});
afterAll(() => Promise.all([standIn.close(), closed.close()]));

const docs = () => client.sync.v1.services(SERVICE).documents;
const control = (s: SyncStandIn, path: string) => `${s.url}/__control/${path}`;

describe('Sync stand-in counters and faults', () => {
  it('counts requests, reads, writes, creates, updates and conflicts', async () => {
    standIn.resetCounters();
    const doc = await docs().create({ uniqueName: 'counted', data: {} });
    await docs()('counted').fetch();
    await docs()('counted').update({ data: { n: 1 }, ifMatch: doc.revision });
    await docs()('counted')
      .update({ data: { n: 2 }, ifMatch: doc.revision })
      .catch(() => undefined);
    await docs()
      .create({ uniqueName: 'counted', data: {} })
      .catch(() => undefined);
    expect(standIn.counters()).toEqual({
      requests: 5,
      reads: 1,
      writes: 4,
      creates: 1,
      updates: 1,
      conflicts: 2,
    });
    standIn.resetCounters();
    expect(standIn.counters().requests).toBe(0);
  });

  it('answers the next N requests with 503, which the SDK reports as such', async () => {
    standIn.injectFault({ kind: 'unavailable', count: 2 });
    for (let i = 0; i < 2; i++) {
      await expect(docs()('counted').fetch()).rejects.toMatchObject({ status: 503, code: 20503 });
    }
    await expect(docs()('counted').fetch()).resolves.toBeDefined();
  });

  it('holds a slow request for its delay, then answers normally', async () => {
    standIn.injectFault({ kind: 'slow', count: 1, delayMs: 200 });
    const started = Date.now();
    const doc = await docs()('counted').fetch();
    expect(doc.uniqueName).toBe('counted');
    // A lower bound only: the delay happened (an upper bound would depend on the machine).
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('clearFaults drops pending faults; bad faults are refused', async () => {
    standIn.injectFault({ kind: 'unavailable', count: 3 });
    standIn.clearFaults();
    await expect(docs()('counted').fetch()).resolves.toBeDefined();
    expect(() => standIn.injectFault({ kind: 'unavailable', count: -1 })).toThrow(/count/);
  });

  it('closes while a slow request is held', async () => {
    const held = await startSyncStandIn();
    held.injectFault({ kind: 'slow', count: 1, delayMs: 60_000 });
    const pending = fetch(`${held.url}/v1/Services/${SERVICE}/Documents`).then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((r) => setTimeout(r, 50));
    await held.close();
    expect(await pending).toBe('dropped');
  });
});

describe('Sync stand-in control routes', () => {
  it('serve counters, reset and faults', async () => {
    expect((await fetch(control(standIn, 'reset'), { method: 'POST' })).status).toBe(200);
    await docs()('counted').fetch();
    const counters = await (await fetch(control(standIn, 'counters'))).json();
    expect(counters).toMatchObject({ requests: 1, reads: 1 });

    const injected = await fetch(control(standIn, 'faults'), {
      method: 'POST',
      body: JSON.stringify({ kind: 'unavailable', count: 1 }),
    });
    expect(injected.status).toBe(200);
    await expect(docs()('counted').fetch()).rejects.toMatchObject({ status: 503 });

    await fetch(control(standIn, 'faults'), {
      method: 'POST',
      body: JSON.stringify({ kind: 'unavailable', count: 5 }),
    });
    expect((await fetch(control(standIn, 'faults'), { method: 'DELETE' })).status).toBe(200);
    await expect(docs()('counted').fetch()).resolves.toBeDefined();

    const bad = await fetch(control(standIn, 'faults'), {
      method: 'POST',
      body: JSON.stringify({ kind: 'meltdown', count: 1 }),
    });
    expect(bad.status).toBe(400);
  });

  it('do not exist when control is not enabled (Twilio-style 401 before routing)', async () => {
    const res = await fetch(control(closed, 'counters'));
    expect(res.status).not.toBe(200);
    const injected = await fetch(control(closed, 'faults'), {
      method: 'POST',
      body: JSON.stringify({ kind: 'unavailable', count: 1 }),
    });
    expect(injected.status).not.toBe(200);
    const c = twilio(closed.accountSid, closed.authToken);
    c.sync.baseUrl = closed.url;
    await expect(
      c.sync.v1.services(SERVICE).documents.create({ uniqueName: 'works', data: {} }),
    ).resolves.toBeDefined();
  });

  it('tell loopback addresses from others', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.5')).toBe(false);
    expect(isLoopbackAddress('::ffff:192.168.1.2')).toBe(false);
    expect(isLoopbackAddress(undefined)).toBe(false);
  });
});
