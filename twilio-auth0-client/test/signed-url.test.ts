// The URL a Twilio signature covers. Deployed, it is https://DOMAIN_NAME/<path>: the Host header is
// the caller's to choose, so a signature made for a URL on another host proves nothing about
// this service. Only local twilio-run (DOMAIN_NAME a loopback host) also accepts the loopback
// Host header the request came to. The functions run as twilio-run runs them, against the
// Auth0 and Sync stand-ins and a scripted API; DOMAIN_NAME is the one the deployed runtime sets.
import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { handler as customerLookup } from '../src/functions/customer-lookup.protected';
import { handler as logInteraction } from '../src/functions/log-interaction.protected';
import { useFunctionFixture } from './support/function-fixture';
import { eventFor, invoke, LOCAL_DOMAIN, type Env } from './support/invoke';
import { signature } from './support/signing';

const DEPLOYED_DOMAIN = 'example-1234-dev.twil.io';
const lookup = { phone: '+15005550001' };
const refused = {
  error: { code: 'SIGNATURE_INVALID', message: 'Missing or invalid X-Twilio-Signature' },
};

const fixture = useFunctionFixture({
  api: (call) =>
    call.method === 'POST'
      ? { status: 201, body: { id: 'int_7', occurredAt: '2026-01-01T00:00:00.000Z' } }
      : {
          status: 200,
          body: { id: 'cus_001', name: 'Ada', phone: lookup.phone, tier: 'gold' },
        },
});

/** The environment of a deployed service: the runtime sets DOMAIN_NAME to the service's domain. */
const deployedEnv = (): Env => fixture.env({ DOMAIN_NAME: DEPLOYED_DOMAIN });

/** An event that reaches the function with `host` and a signature made for `signedUrl`. */
const sentTo = (host: string, signedUrl: string, params: Record<string, string> = lookup) =>
  eventFor(params, { host, 'x-twilio-signature': signature(signedUrl, params) });

/** /customer-lookup invoked in `env` with `host` and a lookup signed for `signedUrl`. */
const lookUpSentTo = (env: Env, host: string, signedUrl: string) =>
  invoke(customerLookup, env, '/customer-lookup', sentTo(host, signedUrl));

describe('the signed URL is the service URL, not the Host header', () => {
  it('SG1: deployed, a signature made for https://evil.example/customer-lookup sent with Host: evil.example is refused', async () => {
    const apiCalls = fixture.api.calls.length;
    const answer = await lookUpSentTo(
      deployedEnv(),
      'evil.example',
      'https://evil.example/customer-lookup',
    );
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual(refused);
    expect(fixture.api.calls).toHaveLength(apiCalls);
    expect(fixture.auth0.counters().tokenRequests).toBe(0);

    // The same request signed for the service's own URL passes: only the URL made the difference.
    const signedForService = await lookUpSentTo(
      deployedEnv(),
      'evil.example',
      `https://${DEPLOYED_DOMAIN}/customer-lookup`,
    );
    expect(signedForService.status).toBe(200);
    expect(signedForService.body).toMatchObject({ found: true, id: 'cus_001' });
  });

  it('SG2: deployed, a loopback Host header does not stand in for DOMAIN_NAME', async () => {
    const answer = await invoke(
      logInteraction,
      deployedEnv(),
      '/log-interaction',
      sentTo('localhost:3000', 'http://localhost:3000/log-interaction', {
        customerId: 'cus_001',
        channel: 'sms',
        summary: 'Texted about delivery',
      }),
    );
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual(refused);
  });

  it('SG3: deployed, a JSON body signed (bodySHA256) for another host is refused; for DOMAIN_NAME it passes', async () => {
    // Twilio signs a JSON body as the URL with ?bodySHA256=<hex SHA-256 of the body>.
    const body = { phone: lookup.phone };
    const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const eventSignedFor = (origin: string) =>
      eventFor(
        { ...body, bodySHA256: hash },
        {
          host: 'evil.example',
          'x-twilio-signature': signature(`${origin}/customer-lookup?bodySHA256=${hash}`, {}),
        },
      );
    const forged = await invoke(
      customerLookup,
      deployedEnv(),
      '/customer-lookup',
      eventSignedFor('https://evil.example'),
    );
    expect(forged.status).toBe(403);
    expect(forged.body).toEqual(refused);
    const genuine = await invoke(
      customerLookup,
      deployedEnv(),
      '/customer-lookup',
      eventSignedFor(`https://${DEPLOYED_DOMAIN}`),
    );
    expect(genuine.status).toBe(200);
  });

  it('SG4: local twilio-run, the loopback host the request came to is signed over http; a public Host header is not', async () => {
    // twilio-run sets DOMAIN_NAME to localhost:<port>; a caller may reach it as 127.0.0.1.
    const local = fixture.env();
    const viaLoopback = await lookUpSentTo(
      local,
      '127.0.0.1:3000',
      'http://127.0.0.1:3000/customer-lookup',
    );
    expect(viaLoopback.status).toBe(200);
    const viaDomain = await lookUpSentTo(
      local,
      '127.0.0.1:3000',
      `http://${LOCAL_DOMAIN}/customer-lookup`,
    );
    expect(viaDomain.status).toBe(200);
    const viaPublicHost = await lookUpSentTo(
      local,
      'evil.example',
      'https://evil.example/customer-lookup',
    );
    expect(viaPublicHost.status).toBe(403);
    expect(viaPublicHost.body).toEqual(refused);
  });
});
