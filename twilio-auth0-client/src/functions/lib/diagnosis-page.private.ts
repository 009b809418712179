// The HTML page /test-api-call shows a browser: a verdict, what happened to the token and the
// API call, the claims (decoded, not verified), the timings, and the raw JSON at the bottom.
// Self-contained on purpose (inline CSS, no script, no external resource, and a CSP forbidding
// them), so it renders the same anywhere. Every value is HTML-escaped; the page is built only
// from the diagnosis, which never holds the token itself.
import type * as ApiClientModule from './api-client.private';
import type { ErrorCode } from './errors.private';
import type { TokenClaims } from './token-diagnosis.private';
import type { TokenSource } from './token-cache.private';
import type { TokenType } from './sync-token-store.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { apiErrorCode, apiMessage } = shared<typeof ApiClientModule>('lib/api-client');

export interface Diagnosis {
  ok: boolean;
  api: {
    status: number;
    latencyMs: number;
    body: unknown;
    /** DPoP calls: whether the API asked for a nonce; null for Bearer calls. */
    dpopNonceRequested: boolean | null;
  };
  token: {
    source: TokenSource;
    /** The scheme the token was sent under. */
    type: TokenType;
    /** `cnf.jkt` of a bound token: the thumbprint of the key it is bound to. */
    jkt: string | null;
    waited: boolean;
    expiresAt: string;
    fingerprint: string;
    claims: TokenClaims;
    claimsVerified: false;
  };
  timings: Record<string, number>;
}

export interface ErrorReport {
  status: number;
  code: ErrorCode;
  message: string;
  details?: Record<string, string> | undefined;
}

const SOURCE_MEANING: Record<TokenSource, string> = {
  memory: 'Reused from this container’s memory: no Sync read, no Auth0 call.',
  sync: 'Read from the shared Twilio Sync document: no Auth0 call.',
  auth0:
    'Fetched from Auth0 just now (kept in this container’s memory, and in Sync unless Sync was unavailable).',
};

const TIMING_LABELS: Record<string, string> = {
  tokenMs: 'Getting the token',
  apiMs: 'Calling the API',
  tokenRetryMs: 'Getting a new token (retry)',
  apiRetryMs: 'Calling the API again',
  totalMs: 'Whole invocation',
};

/** Where to look first, for the failures a person setting the service up meets. */
const ERROR_HINTS: Partial<Record<ErrorCode, string>> = {
  CONFIG_INVALID: 'A variable in the function’s environment is missing or malformed.',
  TOKEN_REQUEST_REJECTED:
    'Auth0 refused the client credentials: check AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET (or, with Private Key JWT, AUTH0_CLIENT_ASSERTION_KEY, AUTH0_CLIENT_ASSERTION_KID and AUTH0_CLIENT_ASSERTION_ALG), and that the application is authorised for AUTH0_AUDIENCE.',
  TOKEN_RATE_LIMITED: 'Auth0 is rate-limiting token requests: wait and try again.',
  TOKEN_ENDPOINT_UNAVAILABLE: 'Auth0 could not be reached: check AUTH0_TOKEN_URL.',
  TOKEN_RESPONSE_INVALID:
    'Auth0 answered, but not with a usable token (no access_token, or a missing or absurd expires_in): check that AUTH0_TOKEN_URL is the tenant’s /oauth/token.',
  API_UNAUTHORIZED:
    'The API rejected a token Auth0 issued just now, so the two sides disagree: the token’s issuer is AUTH0_TOKEN_URL’s origin and its audience AUTH0_AUDIENCE here; on the API, compare its AUTH0_ISSUER_URL and AUTH0_AUDIENCE. Fix whichever side is wrong; no new token is requested until coolDownEndsAt, to spare the Auth0 quota.',
  API_FORBIDDEN: 'The token lacks a scope the API requires: check the grant in Auth0.',
  API_UNAVAILABLE: 'The API could not be reached or is not ready: check API_BASE_URL.',
  API_ERROR: 'The API failed while answering: see its logs.',
  DEADLINE_EXCEEDED: 'Auth0, Sync or the API was too slow for the function’s time budget.',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page for a call that reached the API (whatever it answered). */
export function renderDiagnosisPage(diagnosis: Diagnosis, now: number = Date.now()): string {
  const { api, token } = diagnosis;
  const verdict = diagnosis.ok
    ? {
        title: 'Authenticated call succeeded',
        line: `GET /secure answered ${api.status} in ${ms(api.latencyMs)}, with a token from ${token.source}.`,
      }
    : {
        title: `API answered ${api.status}`,
        line: [apiErrorCode(api.body), apiMessage(api.body)].filter(Boolean).join(': '),
      };
  const claimsNote = diagnosis.ok
    ? 'Decoded, not verified here: the API verified the token (signature, issuer, audience) before answering.'
    : 'Decoded, not verified here: verifying the token is the API’s job.';
  const body = `
${header(diagnosis.ok, verdict.title, verdict.line)}
<div class="grid">
<section class="card"><h2>Summary</h2>
<dl>
${row('API', `${badge(String(api.status), diagnosis.ok)} GET /secure in ${escapeHtml(ms(api.latencyMs))}`)}
${row('Token source', `<code class="pill">${escapeHtml(token.source)}</code><div class="muted">${escapeHtml(SOURCE_MEANING[token.source] ?? '')}</div>`)}
${row('Expires', `<code>${escapeHtml(token.expiresAt)}</code><div class="muted">${escapeHtml(expiresIn(token.expiresAt, now))}</div>`)}
${row('Fingerprint', `<code>${escapeHtml(token.fingerprint)}</code><div class="muted">SHA-256 prefix; the token itself is never shown.</div>`)}
${row('Token type', tokenTypeCell(token.type, token.jkt, api.dpopNonceRequested))}
${row('Waited', token.waited ? 'yes <span class="muted">— no cached token was usable</span>' : 'no <span class="muted">— a cached token was ready</span>')}
</dl></section>
<section class="card"><h2>Token claims</h2>
<p class="note">${escapeHtml(claimsNote)}</p>
<table class="claims">
${(['iss', 'aud', 'azp', 'sub', 'scope'] as const).map((name) => claimRow(name, token.claims[name])).join('\n')}
</table></section>
<section class="card"><h2>API response body</h2><pre>${escapeHtml(json(api.body))}</pre></section>
<section class="card"><h2>Timings</h2>${timingsTable(diagnosis.timings)}</section>
</div>
${rawJson('Raw diagnosis (JSON)', diagnosis)}`;
  return page(verdict.title, body);
}

/** The page for a call that failed before the API could answer (or whose answer was an error). */
export function renderErrorPage(error: ErrorReport): string {
  const details = Object.entries(error.details ?? {});
  const hint = ERROR_HINTS[error.code];
  const body = `
${header(false, 'Call failed', `${error.code}: ${error.message}`)}
<section class="card"><h2>What failed</h2>
<dl>
${row('Status', badge(String(error.status), false))}
${row('Code', `<code>${escapeHtml(error.code)}</code>`)}
${row('Message', escapeHtml(error.message))}
${details.map(([name, value]) => row(name, `<code>${escapeHtml(value)}</code>`)).join('\n')}
${hint ? row('Where to look', escapeHtml(hint)) : ''}
</dl></section>
${rawJson('Raw error (JSON)', { error: { code: error.code, message: error.message, ...error.details } })}`;
  return page('Call failed', body);
}

function header(ok: boolean, title: string, line: string): string {
  return `<header class="verdict ${ok ? 'ok' : 'fail'}"><span class="mark">${ok ? '&#10003;' : '&#10007;'}</span>
<div><h1>${escapeHtml(title)}</h1>${line ? `<p>${escapeHtml(line)}</p>` : ''}</div></header>`;
}

/** `html` is markup built here; every value inside it was escaped by the caller. */
function row(label: string, html: string): string {
  return `<div class="row"><dt>${escapeHtml(label)}</dt><dd>${html}</dd></div>`;
}

function badge(text: string, ok: boolean): string {
  return `<span class="badge ${ok ? 'ok' : 'fail'}">${escapeHtml(text)}</span>`;
}

function claimRow(name: string, value: string | string[] | null): string {
  let cell: string;
  if (value === null) cell = '<span class="muted">absent</span>';
  else if (name === 'scope') {
    cell = value
      .toString()
      .split(/\s+/)
      .filter(Boolean)
      .map((s) => `<code class="pill">${escapeHtml(s)}</code>`)
      .join(' ');
  } else cell = `<code>${escapeHtml(Array.isArray(value) ? value.join(', ') : value)}</code>`;
  return `<tr><th>${escapeHtml(name)}</th><td>${cell}</td></tr>`;
}

function tokenTypeCell(type: string, jkt: string | null, nonceRequested: boolean | null): string {
  const bound =
    jkt === null ? 'not bound to a key' : `bound to key <code>${escapeHtml(jkt)}</code>`;
  const nonce =
    nonceRequested === null
      ? ''
      : `; the API ${nonceRequested ? 'asked' : 'did not ask'} for a nonce`;
  return `<code class="pill">${escapeHtml(type)}</code><div class="muted">${bound}${nonce}</div>`;
}

function timingsTable(timings: Record<string, number>): string {
  const total = Math.max(1, ...Object.values(timings));
  const rows = Object.entries(timings).map(([name, value]) => {
    const width = Math.max(1, Math.round((value / total) * 100));
    return `<tr><th>${escapeHtml(TIMING_LABELS[name] ?? name)}</th><td class="num">${escapeHtml(ms(value))}</td><td class="bar"><span style="width:${width}%"></span></td></tr>`;
  });
  return `<table class="timings">${rows.join('\n')}</table>`;
}

function rawJson(label: string, data: unknown): string {
  return `<details><summary>${escapeHtml(label)}</summary><pre>${escapeHtml(json(data))}</pre></details>`;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value);
}

export function expiresIn(expiresAt: string, now: number): string {
  const left = Date.parse(expiresAt) - now;
  if (Number.isNaN(left)) return '';
  if (left <= 0) return 'expired';
  const hours = Math.floor(left / 3_600_000);
  const minutes = Math.floor((left % 3_600_000) / 60_000);
  if (hours === 0 && minutes === 0) return 'in under 1 min';
  return hours > 0 ? `in ${hours} h ${minutes} min` : `in ${minutes} min`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>test-api-call: ${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>${body}
<p class="foot">test-api-call · the token itself is never shown</p>
</main>
</body>
</html>
`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f6f8fa;color:#1f2328;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif}
main{max-width:960px;margin:0 auto;padding:16px 20px}
code,pre{font-family:ui-monospace,"SFMono-Regular","Liberation Mono",Menlo,monospace;font-size:12.5px}
.verdict{display:flex;gap:14px;align-items:center;padding:14px 18px;border-radius:10px;border:1px solid;margin-bottom:14px}
.verdict.ok{background:#dafbe1;border-color:#4ac26b;color:#0f5323}
.verdict.fail{background:#ffebe9;border-color:#ff8182;color:#82071e}
.verdict h1{margin:0;font-size:21px}
.verdict p{margin:2px 0 0;word-break:break-word}
.mark{display:flex;align-items:center;justify-content:center;flex:none;width:38px;height:38px;border-radius:50%;color:#fff;font-size:22px;font-weight:700}
.ok .mark{background:#1a7f37}.fail .mark{background:#cf222e}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:12px 16px;min-width:0}
.card h2{margin:0 0 8px;font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#59636e}
dl{margin:0}
.row{display:grid;grid-template-columns:110px 1fr;gap:8px;padding:5px 0;border-top:1px solid #eff2f5}
.row:first-child{border-top:0}
dt{color:#59636e}dd{margin:0;min-width:0;word-break:break-word}
.muted{color:#59636e;font-size:12.5px}
.note{margin:0 0 8px;padding:6px 10px;background:#fff8c5;border:1px solid #e9d27a;border-radius:6px;font-size:12.5px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 0;border-top:1px solid #eff2f5;vertical-align:top}
tr:first-child th,tr:first-child td{border-top:0}
th{font-weight:600;width:110px;color:#59636e}
.claims th{width:60px}.claims td{word-break:break-all}
.pill{display:inline-block;padding:0 7px;border-radius:10px;background:#ddf4ff;color:#0550ae;margin:1px 0}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-weight:700;color:#fff}
.badge.ok{background:#1a7f37}.badge.fail{background:#cf222e}
.timings th{width:auto}.num{width:70px;text-align:right;padding-right:12px;font-variant-numeric:tabular-nums}
.bar{width:40%;vertical-align:middle}.bar span{display:block;height:8px;border-radius:4px;background:#54aeff}
pre{margin:0;background:#f6f8fa;border:1px solid #eff2f5;border-radius:6px;padding:8px 10px;overflow:auto;max-height:220px;white-space:pre-wrap;word-break:break-all}
details{margin-top:14px;background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:10px 16px}
summary{cursor:pointer;font-weight:600;color:#59636e}
details pre{margin-top:8px;max-height:none}
.foot{margin:10px 0 0;text-align:center;color:#8c959f;font-size:12px}
`;
