// A POST to a protected Twilio Function signed the way Twilio signs its webhooks: the
// X-Twilio-Signature header is Base64(HMAC-SHA1(auth token, URL + sorted form parameters)),
// computed by the twilio package's own function, so a local request passes the same
// `twilio.validateRequest` check as one from Twilio (or Studio's Run Function widget).
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';

export interface SignedRequest {
  /** Full URL of the function, exactly as the function will see it. */
  url: string;
  params: Record<string, string>;
  authToken: string;
  /** 'valid' (default), 'none' (no header) or 'wrong' (signed with another token). */
  signature?: 'valid' | 'none' | 'wrong';
  timeoutMs?: number;
}

export interface SignedResponse {
  status: number;
  body: unknown;
  text: string;
}

export function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
): string {
  return getExpectedTwilioSignature(authToken, url, params);
}

export async function postSigned(r: SignedRequest): Promise<SignedResponse> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  const kind = r.signature ?? 'valid';
  if (kind !== 'none') {
    const token = kind === 'valid' ? r.authToken : anotherToken(r.authToken);
    headers['X-Twilio-Signature'] = twilioSignature(token, r.url, r.params);
  }
  const response = await fetch(r.url, {
    method: 'POST',
    headers,
    body: new URLSearchParams(r.params).toString(),
    signal: AbortSignal.timeout(r.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body, text };
}

/** A well-formed token that differs in its last character, for negative tests. */
function anotherToken(token: string): string {
  return `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
}
