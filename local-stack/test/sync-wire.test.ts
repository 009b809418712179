// The Sync stand-in as a plain HTTP client sees it: Twilio's resource JSON and error JSON,
// and persistence across a restart.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSyncStandIn, type SyncStandIn } from '../src';

const SERVICE = `IS${'1'.repeat(32)}`;
const running: SyncStandIn[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(persistPath?: string): Promise<SyncStandIn> {
  const standIn = await startSyncStandIn(persistPath ? { persistPath } : {});
  running.push(standIn);
  return standIn;
}

function call(
  standIn: SyncStandIn,
  method: string,
  path: string,
  form?: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const auth = Buffer.from(`${standIn.accountSid}:${standIn.authToken}`).toString('base64');
  return fetch(`${standIn.url}/v1/Services/${SERVICE}/Documents${path}`, {
    method,
    headers: {
      Authorization: `Basic ${auth}`,
      ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      ...headers,
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
}

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('Sync stand-in on the wire', () => {
  it('renders a document exactly as Sync does', async () => {
    const standIn = await start();
    const res = await call(standIn, 'POST', '', {
      UniqueName: 'wire',
      Data: '{"a":1}',
      Ttl: '60',
    });
    expect(res.status).toBe(201);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(
      [
        'account_sid',
        'created_by',
        'data',
        'date_created',
        'date_expires',
        'date_updated',
        'links',
        'revision',
        'service_sid',
        'sid',
        'unique_name',
        'url',
      ].sort(),
    );
    expect(doc.sid).toMatch(/^ET[0-9a-f]{32}$/);
    expect(doc.date_created).toMatch(ISO_SECONDS);
    expect(doc.date_updated).toMatch(ISO_SECONDS);
    expect(doc.date_expires).toMatch(ISO_SECONDS);
    expect(doc.revision).toEqual(expect.any(String));
    expect(doc.data).toEqual({ a: 1 });
  });

  it('creates a document without a unique name', async () => {
    const standIn = await start();
    const res = await call(standIn, 'POST', '', { Data: '{}' });
    const doc = (await res.json()) as { sid: string; unique_name: string | null };
    expect(doc.unique_name).toBeNull();
    expect((await call(standIn, 'GET', `/${doc.sid}`)).status).toBe(200);
  });

  it('answers a stale If-Match with Twilio error JSON, on update and on delete', async () => {
    const standIn = await start();
    const created = (await (
      await call(standIn, 'POST', '', { UniqueName: 'rev', Data: '{}' })
    ).json()) as {
      revision: string;
    };
    const updated = await call(
      standIn,
      'POST',
      '/rev',
      { Data: '{"v":2}' },
      { 'If-Match': created.revision },
    );
    expect(updated.status).toBe(200);
    const stale = await call(
      standIn,
      'POST',
      '/rev',
      { Data: '{"v":3}' },
      { 'If-Match': created.revision },
    );
    expect(stale.status).toBe(412);
    expect(await stale.json()).toEqual({
      code: 54103,
      message: expect.stringMatching(/revision/i),
      more_info: 'https://www.twilio.com/docs/errors/54103',
      status: 412,
    });
    const staleDelete = await call(standIn, 'DELETE', '/rev', undefined, {
      'If-Match': created.revision,
    });
    expect(staleDelete.status).toBe(412);
    expect((await call(standIn, 'DELETE', '/rev')).status).toBe(204);
    expect(standIn.counters().conflicts).toBe(2);
  });

  it('refuses Data that is not a JSON object with 400', async () => {
    const standIn = await start();
    const res = await call(standIn, 'POST', '', { UniqueName: 'bad', Data: '{not json' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: number }).code).toBe(20001);
  });

  it('keeps documents across a restart when persisting to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-stand-in-'));
    try {
      const path = join(dir, 'documents.json');
      const first = await start(path);
      await call(first, 'POST', '', { UniqueName: 'kept', Data: '{"k":true}' });
      await call(first, 'POST', '/kept', { Data: '{"k":"updated"}' });
      const before = (await (await call(first, 'GET', '/kept')).json()) as { revision: string };
      await first.close();

      const second = await start(path);
      const after = await call(second, 'GET', '/kept');
      expect(after.status).toBe(200);
      expect(await after.json()).toMatchObject({
        unique_name: 'kept',
        data: { k: 'updated' },
        revision: before.revision,
      });
      expect(second.documents(SERVICE)).toEqual([
        { unique_name: 'kept', data: { k: 'updated' }, revision: before.revision },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses malformed credentials options', async () => {
    await expect(startSyncStandIn({ accountSid: 'AC123' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    await expect(startSyncStandIn({ authToken: 'short' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });
});
