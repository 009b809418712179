// Reads and writes the cache document directly in the Sync stand-in, with the real twilio SDK
// (as another Sync client of the service would), to arrange a test's starting state.
import twilio from 'twilio';
import type { SyncStandIn } from 'local-stack';
import { ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID } from './env';

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

/** A cache document as this service writes it (plaintext form). */
export function cacheDocument(
  accessToken: string,
  audience: string,
  times: { fetchedAt: number; expiresAt: number; refreshingUntil?: number },
): object {
  return {
    format: 'auth0-m2m-token/v1',
    audience,
    access_token: accessToken,
    expires_at: new Date(times.expiresAt).toISOString(),
    fetched_at: new Date(times.fetchedAt).toISOString(),
    refreshing_until: times.refreshingUntil ? new Date(times.refreshingUntil).toISOString() : null,
  };
}

/** A cache document as this service writes it while another invocation holds the refresh. */
export function leaseDocument(audience: string, refreshingUntil: number): object {
  return {
    format: 'auth0-m2m-token/v1',
    audience,
    refreshing_until: new Date(refreshingUntil).toISOString(),
  };
}
