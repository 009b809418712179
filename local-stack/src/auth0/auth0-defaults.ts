// The one machine-to-machine client a stand-in registers when none is given: the documented
// LOCAL_AUTH0_* defaults (TEAM.md), which the launcher and the other packages' tests share.
import { type RegisteredClient } from './client-registry';

export const DEFAULT_CLIENT_ID = 'local-m2m-client';
export const DEFAULT_CLIENT_SECRET = 'local-m2m-secret-change-me';
export const DEFAULT_AUDIENCE = 'https://secure-api.local';
export const DEFAULT_SCOPES = ['read:customers', 'write:interactions'];
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 86_400;
export const DEFAULT_PORT = 4000;

export function defaultClient(): RegisteredClient {
  return {
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: DEFAULT_CLIENT_SECRET,
    grants: { [DEFAULT_AUDIENCE]: [...DEFAULT_SCOPES] },
  };
}
