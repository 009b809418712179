import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  startAuth0StandIn,
  startSyncStandIn,
  type Auth0StandIn,
  type SyncStandIn,
} from 'local-stack';
import { handler } from '../src/functions/test-api-call';
import { captureLogs, type CapturedLogs } from './support/capture-logs';
import { functionEnv, SERVICE_SID } from './support/env';
import { eventFor, invoke } from './support/invoke';
import { startScriptedApi, type ScriptedApi } from './support/scripted-api';

let auth0: Auth0StandIn;
let sync: SyncStandIn;
let api: ScriptedApi;
let logs: CapturedLogs;

beforeAll(async () => {
  [auth0, sync, api] = await Promise.all([
    startAuth0StandIn(),
    startSyncStandIn(),
    startScriptedApi(),
  ]);
});
afterAll(async () => {
  await Promise.all([auth0.close(), sync.close(), api.close()]);
});
beforeEach(() => {
  logs = captureLogs();
  auth0.resetCounters();
});
afterEach(() => logs.restore());

describe('/test-api-call', () => {
  it('fetches a token once, stores it in Sync, then serves it from memory', async () => {
    const env = functionEnv(auth0, sync, api.url);
    const first = await invoke(handler, env, '/test-api-call');
    const second = await invoke(handler, env, '/test-api-call');

    expect(first.status).toBe(200);
    expect(first.body.token.source).toBe('auth0');
    expect(second.status).toBe(200);
    expect(second.body.token.source).toBe('memory');
    expect(second.body.token.fingerprint).toBe(first.body.token.fingerprint);
    expect(auth0.counters().tokenRequests).toBe(1);
    const doc = sync
      .documents(SERVICE_SID)
      .find((d) => d.unique_name === env.TWILIO_SYNC_TOKEN_DOC);
    expect(doc?.data).toMatchObject({ access_token: expect.any(String), refreshing_until: null });
  });

  it('answers a small HTML page when the browser asks for text/html', async () => {
    const env = functionEnv(auth0, sync, api.url);
    const answer = await invoke(
      handler,
      env,
      '/test-api-call',
      eventFor({}, { accept: 'text/html' }),
    );
    expect(answer.status).toBe(200);
    expect(String(answer.headers['Content-Type'])).toContain('text/html');
    expect(answer.text).toContain('<h1>test-api-call: Diagnosis</h1>');
    expect(answer.text).toContain('decoded, not verified');
  });
});
