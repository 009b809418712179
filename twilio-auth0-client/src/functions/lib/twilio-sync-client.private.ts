// The Sync documents this service needs, over the Twilio client the runtime hands out
// (`context.getTwilioClient()`), pointed at TWILIO_SYNC_BASE_URL when given (a local Sync).
// This is also the one place where the runtime's typings (written against twilio 4) meet the
// twilio 6 client the runtime actually returns for this project. Results are plain values
// (ok / failure kind) so that callers decide what a conflict or an outage means; SDK errors
// never leave this module (they can carry request details).
import type TwilioClient from 'twilio/lib/rest/Twilio';
import type { Context } from '@twilio-labs/serverless-runtime-types/types';

export interface SyncDocumentSnapshot {
  revision: string;
  data: unknown;
}

/**
 * conflict: 409/54301 (unique name taken); stale: 412/54103 (If-Match revision outdated);
 * timeout: no answer in time (Sync slow, or this process starved on a busy host: the call may
 * still land); unavailable: any other failure (5xx, connection refused or reset).
 */
export type SyncFailure =
  'not_found' | 'conflict' | 'stale' | 'rate_limited' | 'timeout' | 'unavailable';

export type SyncResult<T> = { ok: true; value: T } | { ok: false; failure: SyncFailure };

export interface SyncDocuments {
  fetch(uniqueName: string, timeoutMs: number): Promise<SyncResult<SyncDocumentSnapshot>>;
  create(
    uniqueName: string,
    data: object,
    ttlSeconds: number,
    timeoutMs: number,
  ): Promise<SyncResult<SyncDocumentSnapshot>>;
  update(
    uniqueName: string,
    data: object,
    ttlSeconds: number,
    /** The revision the update is conditional on; null: unconditional. */
    ifMatch: string | null,
    timeoutMs: number,
  ): Promise<SyncResult<SyncDocumentSnapshot>>;
}

interface ClientOptions {
  timeout?: number;
  autoRetry?: boolean;
  lazyLoading?: boolean;
}
type ClientFactory = (options?: ClientOptions) => TwilioClient;

export interface SyncLocation {
  serviceSid: string;
  baseUrl: string | undefined;
}

export function syncDocumentsFor(context: Context, location: SyncLocation): SyncDocuments {
  // The runtime's types promise twilio 4's client; at run time it is the project's twilio 6.
  const runtime = context as unknown as { getTwilioClient: ClientFactory };
  const service = (timeoutMs: number) => {
    const client = runtime.getTwilioClient({ timeout: timeoutMs, autoRetry: false });
    if (location.baseUrl) client.sync.baseUrl = location.baseUrl;
    return client.sync.v1.services(location.serviceSid);
  };
  return {
    fetch: (uniqueName, timeoutMs) =>
      resultWithin(timeoutMs, () => service(timeoutMs).documents(uniqueName).fetch()),
    create: (uniqueName, data, ttlSeconds, timeoutMs) =>
      resultWithin(timeoutMs, () =>
        service(timeoutMs).documents.create({ uniqueName, data, ttl: ttlSeconds }),
      ),
    update: (uniqueName, data, ttlSeconds, ifMatch, timeoutMs) =>
      resultWithin(timeoutMs, () =>
        service(timeoutMs)
          .documents(uniqueName)
          .update({ data, ttl: ttlSeconds, ...(ifMatch === null ? {} : { ifMatch }) }),
      ),
  };
}

/** The call's outcome as a SyncResult, or a timeout once `timeoutMs` has passed. */
async function resultWithin(
  timeoutMs: number,
  call: () => Promise<{ revision: string; data: unknown }>,
): Promise<SyncResult<SyncDocumentSnapshot>> {
  let timer: NodeJS.Timeout | undefined;
  // The SDK's own timeout covers the socket; this covers everything else around it.
  const timedOut = new Promise<SyncResult<SyncDocumentSnapshot>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, failure: 'timeout' }), timeoutMs + 50);
  });
  const attempt = (async (): Promise<SyncResult<SyncDocumentSnapshot>> => {
    try {
      const document = await call();
      return { ok: true, value: { revision: String(document.revision), data: document.data } };
    } catch (error) {
      return { ok: false, failure: classify(error) };
    }
  })();
  try {
    return await Promise.race([attempt, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function classify(error: unknown): SyncFailure {
  const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
  if (status === 404 || code === 20404 || code === 54100) return 'not_found';
  if (status === 409 || code === 54301) return 'conflict';
  if (status === 412 || code === 54103) return 'stale';
  if (status === 429) return 'rate_limited';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'timeout';
  return 'unavailable';
}
