// The Idempotency-Key request header of POST /customers/:id/interactions
// (draft-ietf-httpapi-idempotency-key-header): its syntax, the request fingerprint it is
// stored with, and how long keys are kept.
import { createHash } from 'node:crypto';
import { SecureApiError } from '../errors/secure-api.error.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** Keys are kept at least this long; after it the same key starts a new request. */
export const KEY_RETENTION_MS = 24 * 60 * 60 * 1000;

const VISIBLE_ASCII = /^[\x21-\x7E]{1,255}$/;
/** An RFC 8941 sf-string: the draft's form, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324". */
const SF_STRING = /^"((?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\])*)"$/;

function invalidKey(): SecureApiError {
  return new SecureApiError('validation_failed', 'Invalid: Idempotency-Key', {
    status: 400,
    fields: { 'Idempotency-Key': 'must be 1 to 255 visible ASCII characters' },
  });
}

/**
 * The key of the header, or undefined when absent. Accepts the draft's quoted sf-string and
 * the bare form most clients send; both name the same key ("abc" and abc are one key).
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw invalidKey();
  const quoted = SF_STRING.exec(header);
  // A value that opens with a quote must be a well-formed sf-string.
  if (!quoted && header.startsWith('"')) throw invalidKey();
  const key = quoted ? (quoted[1] ?? '').replace(/\\(["\\])/g, '$1') : header;
  if (!VISIBLE_ASCII.test(key)) throw invalidKey();
  return key;
}

/**
 * SHA-256 over the customer and the validated body with sorted keys. The body is a flat
 * object of strings, for which sorted-key JSON is exactly RFC 8785's canonical form; no
 * library needed for that.
 */
export function requestFingerprint(
  customerId: string,
  body: Readonly<Record<string, string | undefined>>,
): string {
  const fields: Record<string, string> = { customerId };
  for (const [name, value] of Object.entries(body)) if (value !== undefined) fields[name] = value;
  const canonical = JSON.stringify(
    Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
  return createHash('sha256').update(canonical).digest('hex');
}

export function keysExpiredBefore(now: Date): string {
  return new Date(now.getTime() - KEY_RETENTION_MS).toISOString();
}
