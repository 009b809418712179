// Checks `X-Twilio-Signature` on the Studio-facing (`*.protected`) functions. Deployed Twilio
// enforces `.protected` before the function runs, but twilio-run does not, so the functions check
// it themselves and an unsigned call gets 403 locally exactly as deployed.
//
// The signed URL: deployed, it is always https://DOMAIN_NAME + context.PATH (the domain the
// runtime says the service lives on), never the request's Host header, which the caller chooses: a
// signature made for https://evil.example/… and sent with `Host: evil.example` must not pass.
// Only local twilio-run (DOMAIN_NAME absent or a loopback host) also accepts the Host header, and
// only a loopback one, over plain http as twilio-run serves it. Form parameters are the event's
// fields other than `request`. For a JSON body Twilio puts `bodySHA256` in the query string; the
// runtime gives the parsed body, not its bytes, so the hash is checked against the body
// re-serialised with JSON.stringify (compact, in field order).
//
// The HMAC check is the SDK's, taken from the global `Twilio` the runtime has already loaded
// (twilio-run and the deployed runtime both set it before the function loads): importing the
// `twilio` package here would load a second full SDK on every cold start (~200 ms). Its typings
// are the runtime's (twilio 4); validateRequest and validateRequestWithBody have kept the same
// signature in twilio 6, so no cast is needed here (the one twilio 4/6 seam stays in
// twilio-sync-client).

export interface SignedRequest {
  /** Deployed: DOMAIN_NAME only. Local twilio-run: DOMAIN_NAME and a loopback Host header. */
  hosts: string[];
  path: string;
  signature: string | undefined;
  params: Record<string, unknown>;
}

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

const isLoopback = (host: string): boolean => LOOPBACK_HOST.test(host.toLowerCase());

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** The hosts a signature may have been made for (see the header comment). */
function signedHosts(domainName: string | undefined, hostHeader: string | undefined): string[] {
  const deployed = domainName !== undefined && !isLoopback(domainName);
  if (deployed) return [domainName];
  const hosts = domainName ? [domainName] : [];
  if (hostHeader && isLoopback(hostHeader) && hostHeader !== domainName) hosts.push(hostHeader);
  return hosts;
}

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
  const params = Object.fromEntries(Object.entries(event).filter(([key]) => key !== 'request'));
  return {
    hosts: signedHosts(nonEmpty(context.DOMAIN_NAME), nonEmpty(header('host'))),
    path: typeof context.PATH === 'string' ? context.PATH : '/',
    signature: header('x-twilio-signature'),
    params,
  };
}

export function hasValidTwilioSignature(authToken: string, request: SignedRequest): boolean {
  const { signature, params } = request;
  if (!signature) return false;
  const { validateRequest, validateRequestWithBody } = Twilio;
  const bodyHash = params.bodySHA256;
  for (const host of request.hosts) {
    const scheme = isLoopback(host) ? 'http' : 'https';
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
