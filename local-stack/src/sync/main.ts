// Standalone Twilio Sync stand-in: `node dist/sync/main.js` (or `npm run sync -w local-stack`).
// Env: LOCAL_SYNC_PORT (4010), LOCAL_TWILIO_ACCOUNT_SID (AC000…0), LOCAL_TWILIO_AUTH_TOKEN
// (000…0), LOCAL_SYNC_PERSIST_PATH (unset: memory only), LOCAL_SYNC_CONTROL (true enables
// the /__control routes).
import { envFlag, envPort, printLine, runStandalone } from '../shared/run-standalone';
import { DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, DEFAULT_PORT } from './sync-defaults';
import { startSyncStandIn } from './sync-stand-in';

const env = (name: string): string | undefined => process.env[name] || undefined;

const accountSid = env('LOCAL_TWILIO_ACCOUNT_SID') ?? DEFAULT_ACCOUNT_SID;
const authToken = env('LOCAL_TWILIO_AUTH_TOKEN') ?? DEFAULT_AUTH_TOKEN;
const persistPath = env('LOCAL_SYNC_PERSIST_PATH');
const control = envFlag('LOCAL_SYNC_CONTROL');

void runStandalone(
  () =>
    startSyncStandIn({
      port: envPort('LOCAL_SYNC_PORT', DEFAULT_PORT),
      accountSid,
      authToken,
      ...(persistPath ? { persistPath } : {}),
      enableControl: control,
      log: printLine,
    }),
  (url) => [
    `sync_base_url ${url}`,
    `account_sid ${accountSid}`,
    // A token chosen by the user is never printed; the documented default is public.
    `auth_token ${authToken === DEFAULT_AUTH_TOKEN ? DEFAULT_AUTH_TOKEN : '(from LOCAL_TWILIO_AUTH_TOKEN)'}`,
    'service_sid any IS + 32 hex, e.g. IS00000000000000000000000000000000',
    `persist ${persistPath ?? 'off (memory only)'}`,
    `control ${control ? 'on' : 'off'}`,
  ],
);
