// Test helper: plain HTTP calls to the Auth0 stand-in's token endpoint, as any client makes them.
import { auth0Defaults, type RegisteredClient } from '../src';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export const validRequest: Record<string, string> = {
  grant_type: 'client_credentials',
  client_id: auth0Defaults.DEFAULT_CLIENT_ID,
  client_secret: auth0Defaults.DEFAULT_CLIENT_SECRET,
  audience: auth0Defaults.DEFAULT_AUDIENCE,
};

/** The default client (granted the default audience and scopes) followed by `others`. */
export function defaultClientAnd(...others: RegisteredClient[]): RegisteredClient[] {
  return [
    {
      clientId: auth0Defaults.DEFAULT_CLIENT_ID,
      clientSecret: auth0Defaults.DEFAULT_CLIENT_SECRET,
      grants: { [auth0Defaults.DEFAULT_AUDIENCE]: auth0Defaults.DEFAULT_SCOPES },
    },
    ...others,
  ];
}

async function answer(res: Response): Promise<HttpAnswer> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return answer(
    await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

export async function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return answer(
    await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

export async function get(url: string) {
  return answer(await fetch(url));
}

export function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}
