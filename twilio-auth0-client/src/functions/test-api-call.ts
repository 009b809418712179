/**
 * /test-api-call — a diagnosis of the whole chain, for a browser.
 *
 * Purpose: calls secure-api's `GET /secure` with the cached Auth0 token and reports what
 *   happened, so a person setting the service up can see where it breaks.
 * Parameters: none. `Accept: text/html` gets a small HTML page (lib/diagnosis-page: a verdict,
 *   the token's source, expiry and claims, the API's answer, timings); anything else gets JSON.
 * Response (200): `{ ok: true, api: { status, latencyMs, body, dpopNonceRequested }, token: {
 *   source: 'memory'|'sync'|'auth0', type: 'Bearer'|'DPoP', jkt, waited, expiresAt, fingerprint,
 *   claims: { iss, aud, azp, scope, sub }, claimsVerified: false }, timings }`. The token itself is never shown: only a short SHA-256
 *   fingerprint, and its claims decoded but NOT verified (verifying is the API's job).
 *   Failure: non-2xx `{ error: { code, message } }` (an HTML page for a browser).
 * Visibility: public, and off unless ENABLE_TEST_ENDPOINT=true (404 NOT_FOUND otherwise).
 */
import type * as ApiModule from './lib/authorized-api.private';
import type * as DiagnosisModule from './lib/token-diagnosis.private';
import type * as HandlerModule from './lib/function-handler.private';
import type * as ErrorsModule from './lib/errors.private';
import type * as PageModule from './lib/diagnosis-page.private';
import type * as Loader from './lib/loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { AuthorizedApi } = shared<typeof ApiModule>('lib/authorized-api');
const { describeToken, tokenFingerprint } = shared<typeof DiagnosisModule>('lib/token-diagnosis');
const { defineFunction, acceptsHtml } = shared<typeof HandlerModule>('lib/function-handler');
const { renderDiagnosisPage, renderErrorPage } = shared<typeof PageModule>('lib/diagnosis-page');

export const handler = defineFunction({
  name: 'test-api-call',
  visibility: 'public',
  testEndpoint: true,
  async run({ context, event, deadline, log, config, defer }) {
    const api = AuthorizedApi.fromContext(context, config, log);
    try {
      const { response, token } = await api.call({ method: 'GET', path: '/secure' }, deadline);
      const ok = response.status >= 200 && response.status < 300;
      const { claims, jkt } = describeToken(token.accessToken);
      const diagnosis: PageModule.Diagnosis = {
        ok,
        // Scrubbed before rendering: once HTML-escaped, an echoed token would no longer match.
        api: {
          status: response.status,
          latencyMs: response.latencyMs,
          body: log.scrubUpstream(response.body),
          dpopNonceRequested: response.dpop?.nonceRequested ?? null,
        },
        token: {
          source: token.source,
          type: token.tokenType,
          jkt,
          waited: token.waited,
          expiresAt: new Date(token.expiresAt).toISOString(),
          fingerprint: tokenFingerprint(token.accessToken),
          claims,
          claimsVerified: false,
        },
        timings: { ...log.timingsSnapshot(), totalMs: deadline.elapsedMs() },
      };
      const status = ok ? 200 : 502;
      return acceptsHtml(event)
        ? { status, html: true, body: renderDiagnosisPage(diagnosis) }
        : { status, body: diagnosis };
    } finally {
      defer(api.whenBackgroundWorkDone());
    }
  },
  renderError(error: ErrorsModule.FunctionError, event) {
    if (!acceptsHtml(event)) return undefined;
    return { status: error.status, html: true, body: renderErrorPage(error) };
  },
});
