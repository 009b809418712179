// The functions' parameters, checked before any upstream call: a missing or malformed one is a
// 400 BAD_REQUEST naming the field. Small pure functions in the function-templates manner.
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
}

function badParam(field: string, message: string): never {
  throw new FunctionError('BAD_REQUEST', `${field} ${message}`, { details: { field } });
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
  requireParams(event, ['phone']);
  const phone = (event.phone as string).trim();
  if (!/^\+[1-9]\d{1,14}$/.test(phone)) {
    badParam(
      'phone',
      "must be E.164, e.g. +15005550001 (a '+' sent unencoded in a query string arrives as a space)",
    );
  }
  return phone;
}

export function readInteraction(event: EventParams): InteractionParams {
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
  return { customerId, channel: channel as Channel, summary, occurredAt };
}
