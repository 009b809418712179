// The function's environment for a test, pointing at the stand-ins (and an API), with the
// local-stack defaults for credentials. Each test gets its own Sync document name, so the
// warm-memory level of one test never serves another.
import type { Auth0StandIn, RegisteredClient, SyncStandIn } from 'local-stack';
import type { Env } from './invoke';

export const CLIENT_ID = 'local-m2m-client';
export const CLIENT_SECRET = 'local-m2m-secret-change-me';
export const AUDIENCE = 'https://secure-api.local';
export const ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const AUTH_TOKEN = '00000000000000000000000000000000';
export const SERVICE_SID = 'IS00000000000000000000000000000001';

/**
 * A real token for the local client from the Auth0 stand-in at `tokenUrl`, fetched outside the
 * function (as another container, or a caller of the API itself, would).
 */
export { fetchDefaultClientToken as tokenFromStandIn } from 'local-stack';

/** The default client, granted only `read:customers` (for files that register more clients). */
export const READ_ONLY_CLIENT: RegisteredClient = {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  grants: { [AUDIENCE]: ['read:customers'] },
};

let documentCounter = 0;

export function uniqueDocName(label = 'doc'): string {
  documentCounter += 1;
  return `token-${label}-${process.pid}-${Date.now()}-${documentCounter}`;
}

export function functionEnv(
  auth0: Pick<Auth0StandIn, 'tokenUrl'>,
  sync: Pick<SyncStandIn, 'url'>,
  apiUrl: string,
  overrides: Env = {},
): Env {
  return {
    ACCOUNT_SID,
    AUTH_TOKEN,
    TWILIO_SYNC_SERVICE_SID: SERVICE_SID,
    TWILIO_SYNC_TOKEN_DOC: uniqueDocName(),
    TWILIO_SYNC_BASE_URL: sync.url,
    AUTH0_TOKEN_URL: auth0.tokenUrl,
    AUTH0_CLIENT_ID: CLIENT_ID,
    AUTH0_CLIENT_SECRET: CLIENT_SECRET,
    AUTH0_AUDIENCE: AUDIENCE,
    API_BASE_URL: apiUrl,
    ENABLE_TEST_ENDPOINT: 'true',
    VALIDATE_TWILIO_SIGNATURE: 'true',
    ...overrides,
  };
}

/** The content of a twilio-run --env file for `env`. */
export function envFileText(env: Env): string {
  return Object.entries(env)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')
    .concat('\n');
}
