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

  it('fetching an unknown sid is 404 / 20404 naming the path', async () => {
    const missing = `ET${'f'.repeat(32)}`;
    try {
      await service().documents(missing).fetch();
      throw new Error('expected a 404');
    } catch (err) {
      expect(err).toMatchObject({
        status: 404,
        code: 20404,
        message: `The requested resource /Services/${SERVICE}/Documents/${missing} was not found`,
        moreInfo: 'https://www.twilio.com/docs/errors/20404',
      });
    }
  });

  it('updating a missing document is 404 / 20404', async () => {
    expect(await failure(service().documents('never-created').update({ data: {} }))).toEqual({
      status: 404,
      code: 20404,
    });
  });

  it('refuses a duplicate unique name with 409 / 54301', async () => {
    await service().documents.create({ uniqueName: 'only-once', data: {} });
    expect(
      await failure(service().documents.create({ uniqueName: 'only-once', data: {} })),
    ).toEqual({ status: 409, code: 54301 });
  });

  it('keeps services apart', async () => {
    const other = client.sync.v1.services(`IS${'a'.repeat(32)}`);
    await service().documents.create({ uniqueName: 'shared-name', data: { in: 'first' } });
    await other.documents.create({ uniqueName: 'shared-name', data: { in: 'second' } });
    expect((await other.documents('shared-name').fetch()).data).toEqual({ in: 'second' });
    expect(standIn.documents(`IS${'a'.repeat(32)}`)).toEqual([
      { unique_name: 'shared-name', data: { in: 'second' }, revision: expect.any(String) },
    ]);
  });

  it('lists documents page by page, as the SDK iterates them', async () => {
    const listed = client.sync.v1.services(`IS${'b'.repeat(32)}`);
    for (let i = 0; i < 5; i++)
      await listed.documents.create({ uniqueName: `item-${i}`, data: { i } });
    const all = await listed.documents.list({ pageSize: 2 });
    expect(all.map((d) => d.uniqueName)).toEqual([
      'item-0',
      'item-1',
      'item-2',
      'item-3',
      'item-4',
    ]);
    const firstPage = await listed.documents.page({ pageSize: 2 });
    expect(firstPage.instances).toHaveLength(2);
    expect(firstPage.nextPageUrl).toContain('Page=1');
    const limited = await listed.documents.list({ limit: 3 });
    expect(limited).toHaveLength(3);
  });

  it('refuses wrong credentials with 401 / 20003', async () => {
    const intruder = twilio(standIn.accountSid, 'ffffffffffffffffffffffffffffffff');
    intruder.sync.baseUrl = standIn.url;
    expect(
      await failure(intruder.sync.v1.services(SERVICE).documents('created-doc').fetch()),
    ).toEqual({
      status: 401,
      code: 20003,
    });
    const res = await fetch(`${standIn.url}/v1/Services/${SERVICE}/Documents`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      code: 20003,
      message: 'Authentication Error - No credentials provided',
      detail: 'Your AccountSid or AuthToken was incorrect.',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
  });

  it('refuses data over 16 KiB with 413 / 54006, and accepts 16 KiB exactly', async () => {
    const padding = (total: number) => 'x'.repeat(total - '{"p":""}'.length);
    const exact = await service().documents.create({
      uniqueName: 'fits',
      data: { p: padding(16384) },
    });
    expect(exact.sid).toMatch(/^ET/);
    expect(
      await failure(
        service().documents.create({ uniqueName: 'too-big', data: { p: padding(16385) } }),
      ),
    ).toEqual({ status: 413, code: 54006 });
    expect(
      await failure(
        service()
          .documents('fits')
          .update({ data: { p: padding(16385) } }),
      ),
    ).toEqual({ status: 413, code: 54006 });
  });

  it('refuses an out-of-range Ttl with 400', async () => {
    expect(
      await failure(
        service().documents.create({ uniqueName: 'bad-ttl', data: {}, ttl: 31_536_001 }),
      ),
    ).toMatchObject({ status: 400 });
  });

  it('answers an unknown service sid format with 404', async () => {
    expect(await failure(client.sync.v1.services('not-a-service').documents('x').fetch())).toEqual({
      status: 404,
      code: 20404,
    });
  });

  it('deletes expired documents: gone once date_expires has passed', async () => {
    const doc = await service().documents.create({ uniqueName: 'short-lived', data: {}, ttl: 1 });
    expect(doc.dateExpires.getTime() - doc.dateCreated.getTime()).toBe(1000);
    let outcome: { status: number; code: number } | undefined;
    for (let i = 0; i < 60 && !outcome; i++) {
      await new Promise((r) => setTimeout(r, 100));
      outcome = await service()
        .documents('short-lived')
        .fetch()
        .then(
          () => undefined,
          (err: { status: number; code: number }) => ({ status: err.status, code: err.code }),
        );
    }
    expect(outcome).toEqual({ status: 404, code: 20404 });
    expect(Date.now()).toBeGreaterThanOrEqual(doc.dateExpires.getTime());
    expect((await service().documents.list()).map((d) => d.uniqueName)).not.toContain(
      'short-lived',
    );
    // The unique name is free again.
    await expect(
      service().documents.create({ uniqueName: 'short-lived', data: {} }),
    ).resolves.toBeDefined();
  });
});
