// The real twilio SDK against the Sync stand-in: every Documents operation, and the status
// and error codes it would see from Twilio.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import { startSyncStandIn, type SyncStandIn } from '../src';

const SERVICE = 'IS0123456789abcdef0123456789abcdef';

let standIn: SyncStandIn;
let client: twilio.Twilio;

beforeAll(async () => {
  standIn = await startSyncStandIn();
  client = twilio(standIn.accountSid, standIn.authToken);
  client.sync.baseUrl = standIn.url;
});
afterAll(() => standIn.close());

const service = () => client.sync.v1.services(SERVICE);

/** The RestException the SDK throws, as status and code. */
async function failure(p: Promise<unknown>): Promise<{ status: number; code: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { status: number; code: number };
    return { status: e.status, code: e.code };
  }
  throw new Error('expected the request to fail');
}

describe('Sync stand-in with the twilio SDK', () => {
  it('creates a document with the resource fields Twilio returns', async () => {
    const doc = await service().documents.create({
      uniqueName: 'created-doc',
      data: { token: 'abc', expires_at: 123 },
      ttl: 3600,
    });
    expect(doc.sid).toMatch(/^ET[0-9a-f]{32}$/);
    expect(doc.uniqueName).toBe('created-doc');
    expect(doc.accountSid).toBe(standIn.accountSid);
    expect(doc.serviceSid).toBe(SERVICE);
    expect(doc.url).toBe(`${standIn.url}/v1/Services/${SERVICE}/Documents/${doc.sid}`);
    expect(doc.links).toEqual({ permissions: `${doc.url}/Permissions` });
    expect(typeof doc.revision).toBe('string');
    expect(doc.data).toEqual({ token: 'abc', expires_at: 123 });
    expect(doc.createdBy).toBe('system');
    expect(doc.dateCreated).toBeInstanceOf(Date);
    const ttlMs = doc.dateExpires.getTime() - doc.dateCreated.getTime();
    expect(ttlMs).toBe(3600 * 1000);
  });

  it('fetches by unique name and by sid', async () => {
    const created = await service().documents.create({ uniqueName: 'fetch-me', data: { n: 1 } });
    const byName = await service().documents('fetch-me').fetch();
    const bySid = await service().documents(created.sid).fetch();
    expect(byName.sid).toBe(created.sid);
    expect(bySid.uniqueName).toBe('fetch-me');
    expect(bySid.data).toEqual({ n: 1 });
    expect(byName.dateExpires).toBeNull();
  });

  it('updates with If-Match, changing the revision on every write', async () => {
    const created = await service().documents.create({ uniqueName: 'update-me', data: { v: 0 } });
    const first = await service()
      .documents('update-me')
      .update({ data: { v: 1 }, ifMatch: created.revision });
    expect(first.revision).not.toBe(created.revision);
    expect(first.data).toEqual({ v: 1 });
    const second = await service().documents('update-me').update({ ttl: 60 });
    expect(second.revision).not.toBe(first.revision);
    expect(second.data).toEqual({ v: 1 });
    expect(second.dateExpires).toBeInstanceOf(Date);
  });

  it('refuses a stale If-Match with 412 / 54103', async () => {
    const created = await service().documents.create({ uniqueName: 'stale', data: { v: 0 } });
    await service()
      .documents('stale')
      .update({ data: { v: 1 }, ifMatch: created.revision });
    expect(
      await failure(
        service()
          .documents('stale')
          .update({ data: { v: 2 }, ifMatch: created.revision }),
      ),
    ).toEqual({ status: 412, code: 54103 });
    expect((await service().documents('stale').fetch()).data).toEqual({ v: 1 });
  });

  it('deletes, after which the document is not found (404 / 20404)', async () => {
    await service().documents.create({ uniqueName: 'delete-me', data: {} });
    expect(await service().documents('delete-me').remove()).toBe(true);
    expect(await failure(service().documents('delete-me').fetch())).toEqual({
      status: 404,
      code: 20404,
    });
  });
});
