// Signs a request the way Twilio does (X-Twilio-Signature = Base64 HMAC-SHA1 of the URL and the
// sorted form parameters), with the twilio package's own function.
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { AUTH_TOKEN } from './env';
import { eventFor, LOCAL_DOMAIN } from './invoke';

export function signature(
  url: string,
  params: Record<string, string>,
  authToken = AUTH_TOKEN,
): string {
  return getExpectedTwilioSignature(authToken, url, params);
}

/** An event for `path` on the local runtime, signed (or signed with another auth token). */
export function signedEvent(
  path: string,
  params: Record<string, string>,
  authToken = AUTH_TOKEN,
): Record<string, unknown> {
  const url = `http://${LOCAL_DOMAIN}${path}`;
  return eventFor(params, { 'x-twilio-signature': signature(url, params, authToken) });
}
