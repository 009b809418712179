// The `htu` comparison of RFC 9449 §4.3: the request URL without query or fragment, both
// sides normalised as RFC 3986 §6.2.2–6.2.3 says (case of scheme and host, default ports, dot
// segments, case of percent-encodings) by the WHATWG URL parser plus one replace.

const PERCENT_ENCODED = /%[0-9a-f]{2}/gi;

/** scheme://host[:port]/path, normalised; undefined when `raw` is no absolute http(s) URL. */
export function normaliseHtu(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  // A proof's htu never carries a query or fragment; one that does cannot match.
  if (url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#'))
    return undefined;
  return `${url.origin}${url.pathname.replace(PERCENT_ENCODED, (hex) => hex.toUpperCase())}`;
}

/**
 * The URL the client addressed: `publicOrigin` (API_PUBLIC_URL, behind a TLS-terminating
 * proxy) or the request's own scheme and Host, plus the request path without its query.
 */
export function requestTargetUri(
  publicOrigin: string | undefined,
  encrypted: boolean,
  host: string | undefined,
  url: string,
): string | undefined {
  const path = url.split('?', 1)[0] ?? '/';
  const origin = publicOrigin ?? (host ? `${encrypted ? 'https' : 'http'}://${host}` : undefined);
  if (origin === undefined) return undefined;
  return normaliseHtu(`${origin}${path.startsWith('/') ? path : `/${path}`}`);
}
