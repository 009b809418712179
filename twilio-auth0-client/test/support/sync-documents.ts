// Reads and writes the cache document directly in the Sync stand-in, with the real twilio SDK
// (as another Sync client of the service would), to arrange a test's starting state.
import twilio from 'twilio';
import type { SyncStandIn } from 'local-stack';
import { ACCOUNT_SID, AUDIENCE, AUTH_TOKEN, SERVICE_SID } from './env';
import type { Env } from './invoke';

function documents(sync: SyncStandIn) {
  const client = twilio(ACCOUNT_SID, AUTH_TOKEN);
  client.sync.baseUrl = sync.url;
  return client.sync.v1.services(SERVICE_SID).documents;
}

export async function seedDocument(
  sync: SyncStandIn,
  uniqueName: string,
  data: object,
): Promise<void> {
  await documents(sync).create({ uniqueName, data, ttl: 3600 });
}

/** Replaces the document's data, creating the document if it does not exist. */
export async function replaceDocument(
  sync: SyncStandIn,
  uniqueName: string,
  data: object,
): Promise<void> {
  try {
    await documents(sync)(uniqueName).update({ data, ttl: 3600 });
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
    await seedDocument(sync, uniqueName, data);
  }
}

export function documentData(
  sync: SyncStandIn,
  uniqueName: string,
): Record<string, unknown> | undefined {
  const found = sync.documents(SERVICE_SID).find((d) => d.unique_name === uniqueName);
  return found?.data as Record<string, unknown> | undefined;
}

export const DOCUMENT_FORMAT = 'auth0-m2m-token/v1';

export interface DocumentTimes {
  fetchedAt: number;
  expiresAt: number;
  refreshingUntil?: number;
}

/** The times a JWT gives itself (iat, exp), as a document written by this service holds them. */
export function timesOf(accessToken: string): DocumentTimes {
  const claims = JSON.parse(
    Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as { iat: number; exp: number };
  return { fetchedAt: claims.iat * 1000, expiresAt: claims.exp * 1000 };
}

/**
 * A cache document as this service writes it (plaintext form); `times` default to the token's
 * own iat and exp, which is what a document written by this service agrees with.
 */
export function cacheDocument(
  accessToken: string,
  audience: string,
  times: DocumentTimes = timesOf(accessToken),
): object {
  return {
    format: DOCUMENT_FORMAT,
    audience,
    access_token: accessToken,
    token_type: 'Bearer',
    bound_key: null,
    expires_at: new Date(times.expiresAt).toISOString(),
    fetched_at: new Date(times.fetchedAt).toISOString(),
    refreshing_until: times.refreshingUntil ? new Date(times.refreshingUntil).toISOString() : null,
    api_rejects_until: null,
  };
}

/** A cache document as this service writes it while another invocation holds the refresh. */
export function leaseDocument(audience: string, refreshingUntil: number): object {
  return {
    format: DOCUMENT_FORMAT,
    audience,
    refreshing_until: new Date(refreshingUntil).toISOString(),
    api_rejects_until: null,
  };
}

/** Plants `accessToken` as the cached token in `env`'s document, as this service writes it. */
export async function seedCachedToken(
  sync: SyncStandIn,
  env: Env,
  accessToken: string,
  times?: DocumentTimes,
): Promise<void> {
  await seedDocument(sync, env.TWILIO_SYNC_TOKEN_DOC!, cacheDocument(accessToken, AUDIENCE, times));
}
