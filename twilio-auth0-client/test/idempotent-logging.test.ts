// /log-interaction records a call once however often it is sent: it sends an Idempotency-Key (the
// caller's idempotencyKey, else a random one per invocation), retries its POST once after a lost
// answer, a timeout or a 5xx, and says whether the answer was a replay. The Studio-facing
// functions refuse parameters they do not know. Against the real secure-api where it can play the
// part (replays, reused keys, a lost answer behind a dropping proxy, the key's and the phone's
// syntax at their limits), a scripted API for 5xx answers, hangs and resets.
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { validateRequest } from 'twilio';
import { handler as customerLookup } from '../src/functions/customer-lookup.protected';
import { handler as logInteraction } from '../src/functions/log-interaction.protected';
import { startDroppingProxy } from './support/dropping-proxy';
import { AUTH_TOKEN, tokenFromStandIn } from './support/env';
import { useFunctionFixture, type FunctionFixture } from './support/function-fixture';
import { eventFor, invoke, LOCAL_DOMAIN, type Answer, type Env } from './support/invoke';
import { answerLikeSecureApi, type ApiCall, type ScriptedReply } from './support/scripted-api';
import { signature, signedEvent } from './support/signing';

let summaryCounter = 0;
/** A summary no other test writes, to count this test's rows. */
function uniqueSummary(label: string): string {
  summaryCounter += 1;
  return `${label} ${process.pid}-${Date.now()}-${summaryCounter}`;
}

function logCall(env: Env, params: Record<string, string>): Promise<Answer> {
  return invoke(logInteraction, env, '/log-interaction', signedEvent('/log-interaction', params));
}

describe('against the real secure-api', () => {
  const fixture = useFunctionFixture({ api: 'secure-api' });

  /** The rows of `customerId` with this summary, read through the API. */
  async function rowsWith(customerId: string, summary: string): Promise<Array<{ id: string }>> {
    const answer = await fetch(`${fixture.secureApi.url}/customers/${customerId}/interactions`, {
      headers: { authorization: `Bearer ${await tokenFromStandIn(fixture.auth0.tokenUrl)}` },
    });
    expect(answer.status).toBe(200);
    const { items } = (await answer.json()) as { items: Array<{ id: string; summary: string }> };
    return items.filter((item) => item.summary === summary);
  }

  it('FI1: the API stores the row and then drops the connection → the retry is answered as a replay, and one row is stored', async () => {
    const proxy = await startDroppingProxy(fixture.secureApi.url);
    try {
      const summary = uniqueSummary('dropped answer');
      const answer = await logCall(fixture.env({ API_BASE_URL: proxy.url }), {
        customerId: 'cus_002',
        channel: 'voice',
        summary,
      });

      expect(proxy.dropped()).toBe(1);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ recorded: true, customerId: 'cus_002', replayed: true });
      const rows = await rowsWith('cus_002', summary);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.id).toBe(answer.body.interactionId);
      // Both attempts carried the invocation's one random key and the same body.
      const sent = proxy.requests().join('');
      const keys = [...sent.matchAll(/^idempotency-key: (.+)\r$/gim)].map((m) => m[1]);
      expect(keys).toHaveLength(2);
      expect(keys[0]).toMatch(/^"[0-9a-f-]{36}"$/);
      expect(keys[1]).toBe(keys[0]);
      const bodies = [...sent.matchAll(/\r\n\r\n(\{[^\r]*\})/g)].map((m) => m[1]);
      expect(bodies).toHaveLength(2);
      expect(bodies[1]).toBe(bodies[0]);
    } finally {
      await proxy.close();
    }
  });

  it('FI2: the same idempotencyKey again (a retry by the flow) → the original record, replayed: true, one row', async () => {
    const env = fixture.env();
    const summary = uniqueSummary('studio retry');
    const params = {
      customerId: 'cus_001',
      channel: 'voice',
      summary,
      idempotencyKey: `CA${Date.now()}${summaryCounter}"quoted\\key`,
    };
    const first = await logCall(env, params);
    const again = await logCall(env, params);

    expect(first.status).toBe(200);
    expect(first.body.replayed).toBe(false);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(await rowsWith('cus_001', summary)).toHaveLength(1);
  });

  it('FI3: the same idempotencyKey with another summary → 422 BAD_REQUEST naming idempotencyKey, nothing stored', async () => {
    const env = fixture.env();
    const summary = uniqueSummary('first use');
    const idempotencyKey = `CA-reused-${Date.now()}-${summaryCounter}`;
    const first = await logCall(env, {
      customerId: 'cus_003',
      channel: 'sms',
      summary,
      idempotencyKey,
    });
    const other = await logCall(env, {
      customerId: 'cus_003',
      channel: 'sms',
      summary: `${summary} (changed)`,
      idempotencyKey,
    });

    expect(first.status).toBe(200);
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'idempotencyKey' });
    expect(await rowsWith('cus_003', summary)).toHaveLength(1);
    expect(await rowsWith('cus_003', `${summary} (changed)`)).toHaveLength(0);
  });

  it('FI4: without idempotencyKey each invocation is its own interaction (a random key each)', async () => {
    const env = fixture.env();
    const summary = uniqueSummary('no key');
    const params = { customerId: 'cus_004', channel: 'chat', summary };
    const first = await logCall(env, params);
    const second = await logCall(env, params);

    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.body.replayed, second.body.replayed]).toEqual([false, false]);
    expect(second.body.interactionId).not.toBe(first.body.interactionId);
    expect(await rowsWith('cus_004', summary)).toHaveLength(2);
  });

  it('FI10: a malformed idempotencyKey → 400 BAD_REQUEST naming it, before any upstream call; 255 visible characters pass', async () => {
    const env = fixture.env();
    const summary = uniqueSummary('key syntax');
    for (const idempotencyKey of ['has space', 'x'.repeat(256), 'café', 'tab\there']) {
      const answer = await logCall(env, {
        customerId: 'cus_002',
        channel: 'voice',
        summary,
        idempotencyKey,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'idempotencyKey' });
    }
    expect(fixture.auth0.counters().tokenRequests).toBe(0);
    // Every visible ASCII character, the longest key secure-api takes.
    const visible = Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
    const longest = `${visible}${visible}${visible}`.slice(0, 255);
    const answer = await logCall(env, {
      customerId: 'cus_002',
      channel: 'voice',
      summary,
      idempotencyKey: longest,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.replayed).toBe(false);
    expect(await rowsWith('cus_002', summary)).toHaveLength(1);
  });

  it("FI14: the phone rule is secure-api's: + and 8 to 15 digits, the first not 0", async () => {
    const env = fixture.env();
    const token = await tokenFromStandIn(fixture.auth0.tokenUrl);
    fixture.auth0.resetCounters();
    const lookup = (phone: string) =>
      invoke(customerLookup, env, '/customer-lookup', signedEvent('/customer-lookup', { phone }));
    const apiStatus = async (phone: string) =>
      (
        await fetch(`${fixture.secureApi.url}/customers?phone=${encodeURIComponent(phone)}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status;
    for (const phone of ['+1234567', '+0123456789', '+1234567890123456']) {
      const answer = await lookup(phone);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'phone' });
      expect(await apiStatus(phone)).toBe(400);
    }
    expect(fixture.auth0.counters().tokenRequests).toBe(0);
    for (const phone of ['+12345678', '+123456789012345']) {
      const answer = await lookup(phone);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ found: false, phone });
      expect(await apiStatus(phone)).toBe(404);
    }
  });
});

describe('against a scripted API', () => {
  /** What the scripted API answers to the POSTs of the running test (by index). */
  let posts: Array<ScriptedReply> = [];
  const created = (replayed: boolean): ScriptedReply => ({
    status: 201,
    body: {
      id: 'int_scripted',
      customerId: 'cus_001',
      channel: 'voice',
      summary: 'x',
      occurredAt: '2026-01-01T00:00:00.000Z',
    },
    headers: { 'idempotent-replayed': String(replayed) },
  });
  const fixture: FunctionFixture = useFunctionFixture({
    api: (call: ApiCall, index: number) => {
      if (call.method !== 'POST') return answerLikeSecureApi(call, index);
      const postIndex = fixture.api.calls.filter((c) => c.method === 'POST').length - 1;
      return posts[postIndex] ?? created(false);
    },
  });
  const postsSent = (): ApiCall[] => fixture.api.calls.filter((c) => c.method === 'POST');
  beforeEach(() => {
    posts = [];
    fixture.api.calls.length = 0;
  });

  async function logWith(replies: ScriptedReply[], env: Env = fixture.env()): Promise<Answer> {
    posts = replies;
    return logCall(env, {
      customerId: 'cus_001',
      channel: 'voice',
      summary: 'Called about the invoice',
      idempotencyKey: 'CA0123456789abcdef0123456789abcdef',
    });
  }

  it('FI5: a 5xx on the POST → one retry with the same key and body, answered as a replay', async () => {
    const answer = await logWith([
      { status: 503, body: { statusCode: 503, error: 'database_unavailable', message: 'down' } },
      created(true),
    ]);

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ recorded: true, replayed: true });
    const sent = postsSent();
    expect(sent).toHaveLength(2);
    expect(sent.map((c) => c.headers['idempotency-key'])).toEqual([
      '"CA0123456789abcdef0123456789abcdef"',
      '"CA0123456789abcdef0123456789abcdef"',
    ]);
    expect(sent[1]!.body).toBe(sent[0]!.body);
  });

  it('FI6: 5xx on every attempt → 503 API_UNAVAILABLE after exactly two POSTs', async () => {
    const down: ScriptedReply = {
      status: 503,
      body: { statusCode: 503, error: 'database_unavailable', message: 'down' },
      headers: { 'retry-after': '1' },
    };
    const answer = await logWith([down, down, down]);

    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('API_UNAVAILABLE');
    expect(postsSent()).toHaveLength(2);
  });

  it('FI7: a POST that times out → retried once within the deadline', async () => {
    const answer = await logWith(['hang', created(true)]);

    expect(answer.status).toBe(200);
    expect(answer.body.replayed).toBe(true);
    expect(postsSent()).toHaveLength(2);
  });

  it('FI8: a connection reset on the POST → retried once', async () => {
    const answer = await logWith(['reset', created(false)]);

    expect(answer.status).toBe(200);
    expect(answer.body.replayed).toBe(false);
    expect(postsSent()).toHaveLength(2);
  });

  it('FI9: an answer the API gave (400) is not retried', async () => {
    const answer = await logWith([
      { status: 400, body: { statusCode: 400, error: 'validation_failed', message: 'bad' } },
    ]);

    expect(answer.status).toBe(400);
    expect(postsSent()).toHaveLength(1);
  });

  it('FI11: an unknown parameter → 400 BAD_REQUEST naming it, on both Studio functions, before any upstream call', async () => {
    const env = fixture.env();
    const logged = await logCall(env, {
      customerId: 'cus_001',
      channel: 'voice',
      summary: 'Hello',
      recordedBy: 'someone-else',
    });
    const looked = await invoke(
      customerLookup,
      env,
      '/customer-lookup',
      signedEvent('/customer-lookup', { phone: '+15005550001', Phone: '+15005550002' }),
    );

    expect(logged.status).toBe(400);
    expect(logged.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'recordedBy' });
    expect(logged.body.error.message).toContain('"recordedBy"');
    expect(looked.status).toBe(400);
    expect(looked.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'Phone' });
    expect(fixture.api.calls).toHaveLength(0);
    expect(fixture.auth0.counters().tokenRequests).toBe(0);
  });

  it('FI12: text moved from summary into an extra parameter keeps the signature valid, and is refused', async () => {
    const env = fixture.env();
    const url = `http://${LOCAL_DOMAIN}/log-interaction`;
    const signed = { customerId: 'cus_001', channel: 'voice', summary: 'Paid. zzRefund' };
    const forged = { customerId: 'cus_001', channel: 'voice', summary: 'Paid. ', zzRefund: '' };
    const header = signature(url, signed);
    // Names and values are concatenated without a delimiter: both carry the same signature.
    expect(validateRequest(AUTH_TOKEN, header, url, forged)).toBe(true);

    const answer = await invoke(
      logInteraction,
      env,
      '/log-interaction',
      eventFor(forged, { 'x-twilio-signature': header }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'zzRefund' });
    expect(fixture.api.calls).toHaveLength(0);
  });

  it('FI13: the fields Twilio adds itself (request, bodySHA256) beside every parameter are accepted', async () => {
    const env = fixture.env();
    // A JSON body, signed as Twilio signs one: bodySHA256 in the query, which the runtime puts
    // into the event beside the body's fields and `request`.
    const body = {
      customerId: 'cus_001',
      channel: 'voice',
      summary: 'Hello',
      occurredAt: '2026-01-01T00:00:00.000Z',
      idempotencyKey: 'CA0123456789abcdef0123456789abcdef',
    };
    const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const url = `http://${LOCAL_DOMAIN}/log-interaction?bodySHA256=${hash}`;
    const answer = await invoke(
      logInteraction,
      env,
      '/log-interaction',
      eventFor(
        { ...body, bodySHA256: hash },
        { 'x-twilio-signature': signature(url, {}), 'content-type': 'application/json' },
      ),
    );

    expect(answer.status).toBe(200);
    expect(postsSent()).toHaveLength(1);
    expect(JSON.parse(postsSent()[0]!.body)).toEqual({
      channel: 'voice',
      summary: 'Hello',
      occurredAt: '2026-01-01T00:00:00.000Z',
    });
  });
});
