// Checks `X-Twilio-Signature` on the Studio-facing (`*.protected`) functions. Deployed Twilio
// enforces `.protected` before the function runs, but twilio-run does not, so the functions check
// it themselves and an unsigned call gets 403 locally exactly as deployed.
//
// The signed URL is rebuilt from what the runtime hands a function: the `host` request header
// (or DOMAIN_NAME) and `context.PATH`, https except on a loopback host (twilio-run serves plain
// http). Form parameters are the event's fields other than `request`. For a JSON body Twilio
// puts `bodySHA256` in the query string; the runtime gives the parsed body, not its bytes, so the
// hash is checked against the body re-serialised with JSON.stringify (compact, in field order).
import { validateRequest, validateRequestWithBody } from 'twilio';

export interface SignedRequest {
  /** The host as the caller reached us, or DOMAIN_NAME. */
  hosts: string[];
  path: string;
  signature: string | undefined;
  params: Record<string, unknown>;
}

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/** The parts of a runtime invocation that a signature covers. */
export function signedRequestOf(
  context: { DOMAIN_NAME?: unknown; PATH?: unknown },
  event: Record<string, unknown>,
): SignedRequest {
  const headers = (event.request as { headers?: Record<string, unknown> } | undefined)?.headers;
  const header = (name: string): string | undefined => {
    if (!headers) return undefined;
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === name) return typeof value === 'string' ? value : undefined;
    }
    return undefined;
  };
  const hosts = [header('host'), context.DOMAIN_NAME]
    .filter((host): host is string => typeof host === 'string' && host.length > 0)
    .filter((host, index, all) => all.indexOf(host) === index);
  const params = Object.fromEntries(Object.entries(event).filter(([key]) => key !== 'request'));
  return {
    hosts,
    path: typeof context.PATH === 'string' ? context.PATH : '/',
    signature: header('x-twilio-signature'),
    params,
  };
}

export function hasValidTwilioSignature(authToken: string, request: SignedRequest): boolean {
  const { signature, params } = request;
  if (!signature) return false;
  const bodyHash = params.bodySHA256;
  for (const host of request.hosts) {
    const scheme = LOOPBACK_HOST.test(host) ? 'http' : 'https';
    const url = `${scheme}://${host}${request.path}`;
    if (typeof bodyHash === 'string') {
      const { bodySHA256: _omit, ...body } = params;
      const signedUrl = `${url}?bodySHA256=${encodeURIComponent(bodyHash)}`;
      if (validateRequestWithBody(authToken, signature, signedUrl, JSON.stringify(body)))
        return true;
    } else if (validateRequest(authToken, signature, url, params)) {
      return true;
    }
  }
  return false;
}
