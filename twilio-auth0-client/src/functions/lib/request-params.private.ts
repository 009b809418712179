// The functions' parameters, checked before any upstream call: a missing, malformed or unknown
// one is a 400 BAD_REQUEST naming the field. Small pure functions in the function-templates
// manner.
import type * as ErrorsModule from './errors.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { FunctionError } = shared<typeof ErrorsModule>('lib/errors');

export type EventParams = Record<string, unknown>;

export const CHANNELS = ['voice', 'sms', 'whatsapp', 'chat'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface InteractionParams {
  customerId: string;
  channel: Channel;
  summary: string;
  occurredAt: string | undefined;
  /** The caller's Idempotency-Key (e.g. Studio's call SID), when one was given. */
  idempotencyKey: string | undefined;
}

/**
 * Event fields the Twilio runtime adds itself, allowed on every function besides its own
 * parameters:
 * - `request` (`headers`, `cookies`): @twilio/runtime-handler 2.1.0's `constructEvent`
 *   (dev-runtime/route.js) puts it beside the query and body fields;
 * - `bodySHA256`: the query parameter Twilio adds when it signs a JSON body (checked by the
 *   signature, see twilio-signature).
 * Studio's *Run Function* widget passes only the widget's configured "Function Parameters", so a
 * real Studio call carries nothing else.
 */
export const RUNTIME_FIELDS = ['request', 'bodySHA256'] as const;

export const LOOKUP_PARAMS = ['phone'] as const;
export const INTERACTION_PARAMS = [
  'customerId',
  'channel',
  'summary',
  'occurredAt',
  'idempotencyKey',
] as const;

/**
 * `+` and 8 to 15 digits, the first not 0: secure-api's rule, so that the function refuses what
 * the API would refuse without spending a token on it.
 */
export const E164 = /^\+[1-9]\d{7,14}$/;

/** An Idempotency-Key as secure-api accepts it: 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function badParam(field: string, message: string): never {
  throw new FunctionError('BAD_REQUEST', `${field} ${message}`, { details: { field } });
}

/**
 * Refuses any field that is neither one of `names` nor one the runtime adds. Twilio's signature
 * concatenates the sorted names and values without a delimiter, so a signed `summary=Hi. zz`
 * and `summary=Hi. ` plus `zz=` carry the same signature: an extra parameter could move text
 * from one field into another without breaking it.
 */
export function refuseUnknownParams(event: EventParams, names: readonly string[]): void {
  const known = new Set<string>([...names, ...RUNTIME_FIELDS]);
  const unknown = Object.keys(event).filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  // The names are the caller's text: quoted, shortened, and only the first few.
  const shown = unknown.slice(0, 5).map((name) => JSON.stringify(name.slice(0, 40)));
  const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : '';
  throw new FunctionError('BAD_REQUEST', `Unknown parameter(s): ${shown.join(', ')}${more}`, {
    details: { field: unknown.slice(0, 5).join(',').slice(0, 200) },
  });
}

/** Names of the parameters that are absent or blank, in the order given. */
export function detectMissingParams(event: EventParams, names: readonly string[]): string[] {
  return names.filter((name) => {
    const value = event[name];
    return typeof value !== 'string' || value.trim() === '';
  });
}

function requireParams(event: EventParams, names: readonly string[]): void {
  const missing = detectMissingParams(event, names);
  if (missing.length > 0) {
    throw new FunctionError('BAD_REQUEST', `Missing parameter(s): ${missing.join(', ')}`, {
      details: { field: missing.join(',') },
    });
  }
}

/** A phone number in E.164 (what Studio's {{trigger.call.From}} holds). */
export function readPhone(event: EventParams): string {
  refuseUnknownParams(event, LOOKUP_PARAMS);
  requireParams(event, LOOKUP_PARAMS);
  const phone = (event.phone as string).trim();
  if (!E164.test(phone)) {
    badParam(
      'phone',
      "must be E.164: + and 8 to 15 digits, e.g. +15005550001 (a '+' sent unencoded in a query string arrives as a space)",
    );
  }
  return phone;
}

export function readInteraction(event: EventParams): InteractionParams {
  refuseUnknownParams(event, INTERACTION_PARAMS);
  requireParams(event, ['customerId', 'channel', 'summary']);
  const customerId = (event.customerId as string).trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(customerId)) {
    badParam('customerId', 'must be a customer id such as cus_001');
  }
  const channel = (event.channel as string).trim();
  if (!(CHANNELS as readonly string[]).includes(channel)) {
    badParam('channel', `must be one of ${CHANNELS.join(', ')}`);
  }
  const summary = (event.summary as string).trim();
  if (summary.length > 500) badParam('summary', 'must be at most 500 characters');
  const rawOccurredAt = event.occurredAt;
  let occurredAt: string | undefined;
  if (rawOccurredAt !== undefined && rawOccurredAt !== '') {
    if (
      typeof rawOccurredAt !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}T/.test(rawOccurredAt) ||
      Number.isNaN(Date.parse(rawOccurredAt))
    ) {
      badParam('occurredAt', 'must be an ISO-8601 date-time');
    }
    occurredAt = rawOccurredAt;
  }
  return {
    customerId,
    channel: channel as Channel,
    summary,
    occurredAt,
    idempotencyKey: readIdempotencyKey(event.idempotencyKey),
  };
}

/**
 * The key as given (not trimmed: it is an identifier), or undefined when absent or empty (Studio
 * renders a variable that does not exist in this flow, e.g. a call SID in a chat, as empty).
 */
function readIdempotencyKey(raw: unknown): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !IDEMPOTENCY_KEY.test(raw)) {
    badParam(
      'idempotencyKey',
      'must be 1 to 255 visible ASCII characters (no spaces), e.g. the call SID',
    );
  }
  return raw;
}
