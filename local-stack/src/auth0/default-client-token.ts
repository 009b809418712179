// A token for the default client (auth0-defaults) from a running stand-in, requested as an SDK
// does (client secret, JSON body): how the other packages' tests and bench get a token of their
// own to call secure-api directly, outside the functions.
import { DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from './auth0-defaults';

/** Throws unless the stand-in at `tokenUrl` answers 200 with an access token. */
export async function fetchDefaultClientToken(tokenUrl: string, scope?: string): Promise<string> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: DEFAULT_CLIENT_ID,
      client_secret: DEFAULT_CLIENT_SECRET,
      audience: DEFAULT_AUDIENCE,
      ...(scope ? { scope } : {}),
    }),
  });
  if (!response.ok) throw new Error(`the Auth0 stand-in answered HTTP ${response.status}`);
  const body = (await response.json()) as { access_token?: unknown };
  if (typeof body.access_token !== 'string') throw new Error('no access_token in the answer');
  return body.access_token;
}
