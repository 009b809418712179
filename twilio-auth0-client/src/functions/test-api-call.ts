/**
 * /test-api-call — a diagnosis of the whole chain, for a browser.
 *
 * Purpose: calls secure-api's `GET /secure` with the cached Auth0 token and reports what
 *   happened, so a person setting the service up can see where it breaks.
 * Parameters: none. `Accept: text/html` gets a small HTML page; anything else gets JSON.
 * Response (200): `{ ok: true, api: { status, latencyMs, body }, token: { source:
 *   'memory'|'sync'|'auth0', waited, expiresAt, fingerprint, claims: { iss, aud, azp, scope, sub },
 *   claimsVerified: false }, timings }`. The token itself is never shown: only a short SHA-256
 *   fingerprint, and its claims decoded but NOT verified (verifying is the API's job).
 *   Failure: non-2xx `{ error: { code, message } }` (an HTML page for a browser).
 * Visibility: public, and off unless ENABLE_TEST_ENDPOINT=true (404 NOT_FOUND otherwise).
 */
import type * as ApiModule from './lib/authorized-api.private';
import type * as DiagnosisModule from './lib/token-diagnosis.private';
import type * as HandlerModule from './lib/function-handler.private';
import type * as ErrorsModule from './lib/errors.private';

// Deployed, Twilio loads each function file on its own (relative imports do not resolve):
// shared modules are *.private functions, required through the runtime's function map.
const shared = <T>(name: string): T => module.require(Runtime.getFunctions()[name]!.path) as T;
const { AuthorizedApi } = shared<typeof ApiModule>('lib/authorized-api');
const { decodeClaims, tokenFingerprint } = shared<typeof DiagnosisModule>('lib/token-diagnosis');
const { defineFunction, acceptsHtml } = shared<typeof HandlerModule>('lib/function-handler');

type Diagnosis = Record<string, unknown>;

export const handler = defineFunction({
  name: 'test-api-call',
  visibility: 'public',
  testEndpoint: true,
  async run({ context, event, deadline, log, config, defer }) {
    const api = AuthorizedApi.fromContext(context, config, log);
    try {
      const { response, token } = await api.call({ method: 'GET', path: '/secure' }, deadline);
      const ok = response.status >= 200 && response.status < 300;
      const diagnosis: Diagnosis = {
        ok,
        api: { status: response.status, latencyMs: response.latencyMs, body: response.body },
        token: {
          source: token.source,
          waited: token.waited,
          expiresAt: new Date(token.expiresAt).toISOString(),
          fingerprint: tokenFingerprint(token.accessToken),
          claims: decodeClaims(token.accessToken),
          claimsVerified: false,
        },
        timings: { ...log.timingsSnapshot(), totalMs: deadline.elapsedMs() },
      };
      const status = ok ? 200 : 502;
      return acceptsHtml(event)
        ? { status, html: true, body: renderPage('Diagnosis', diagnosis) }
        : { status, body: diagnosis };
    } finally {
      defer(api.settle());
    }
  },
  renderError(error: ErrorsModule.FunctionError, event) {
    if (!acceptsHtml(event)) return undefined;
    const body = { error: { code: error.code, message: error.message, ...error.details } };
    return { status: error.status, html: true, body: renderPage('Error', body) };
  },
});

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function renderPage(title: string, data: Diagnosis): string {
  const json = escapeHtml(JSON.stringify(data, null, 2));
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>test-api-call: ${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}pre{background:#f4f4f4;padding:1rem;overflow:auto}</style>
</head>
<body>
<h1>test-api-call: ${escapeHtml(title)}</h1>
<p>Token claims are decoded, not verified; the token itself is never shown (only a SHA-256 fingerprint).</p>
<pre>${json}</pre>
</body>
</html>
`;
}
