// Configuration of one invocation, read from the function's `context` (the service's
// environment variables) and validated every time: Twilio can change variables between
// invocations, and a clear CONFIG_INVALID naming the variable beats a confusing failure later.
// Error messages name the variable and the expected format, never the value.
import type * as AssertionModule from './client-assertion.private';
import type * as DpopKeyModule from './dpop-key.private';
import type * as ErrorsModule from './errors.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { FunctionError } = shared<typeof ErrorsModule>('lib/errors');
const { importDpopKey } = shared<typeof DpopKeyModule>('lib/dpop-key');
const { ASSERTION_ALGS, ClientAssertionKey, importAssertionKey } =
  shared<typeof AssertionModule>('lib/client-assertion');

export type EnvironmentSource = Record<string, unknown>;

/** What the signature check needs; read before everything else so a bad signature is refused
 * before any other configuration problem is revealed. */
export interface SignatureCheckConfig {
  authToken: string;
  validateSignature: boolean;
}

export interface ServiceConfig {
  accountSid: string;
  authToken: string;
  syncServiceSid: string;
  syncTokenDoc: string;
  syncBaseUrl: string | undefined;
  auth0TokenUrl: string;
  auth0ClientId: string;
  /** How the client authenticates to Auth0: exactly one of a secret and an assertion key. */
  auth0ClientAuth: ClientAuth;
  auth0Audience: string;
  apiBaseUrl: string;
  tokenCacheKey: Buffer | undefined;
  /** The DPoP key (DPOP_PRIVATE_KEY); undefined when tokens are plain Bearer tokens. */
  dpopKey: DpopKeyModule.DpopKey | undefined;
}

export type ClientAuth =
  | { method: 'client_secret'; clientSecret: string }
  | { method: 'private_key_jwt'; assertionKey: AssertionModule.ClientAssertionKey };

export const DEFAULT_DEADLINE_MS = 8000;
const MIN_DEADLINE_MS = 1000;
// Twilio kills an invocation at 10 s; keep room to answer.
export const MAX_DEADLINE_MS = 9500;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function invalid(name: string, expected: string): never {
  // The message names the variable and what was expected, never the value (it may be a key).
  throw new FunctionError(
    'CONFIG_INVALID',
    `${name} is missing or malformed: expected ${expected}`,
    {
      details: { variable: name },
    },
  );
}

function optional(env: EnvironmentSource, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') invalid(name, 'a string');
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function required(env: EnvironmentSource, name: string, expected: string): string {
  return optional(env, name) ?? invalid(name, expected);
}

function matching(env: EnvironmentSource, name: string, pattern: RegExp, expected: string): string {
  const value = required(env, name, expected);
  return pattern.test(value) ? value : invalid(name, expected);
}

function flag(env: EnvironmentSource, name: string, fallback: boolean): boolean {
  const value = optional(env, name);
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return invalid(name, '"true" or "false"');
}

/** An https URL, or http on a loopback host (the local stand-ins and a local API). */
function secureUrl(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const expected = 'an https URL (http only for localhost)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid(name, expected);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) {
    if (url.username || url.password) return invalid(name, `${expected} without credentials`);
    return value;
  }
  return invalid(name, expected);
}

export function readEnableTestEndpoint(env: EnvironmentSource): boolean {
  return flag(env, 'ENABLE_TEST_ENDPOINT', false);
}

export function readDeadlineMs(env: EnvironmentSource): number {
  const value = optional(env, 'FUNCTION_DEADLINE_MS');
  if (value === undefined) return DEFAULT_DEADLINE_MS;
  const expected = `an integer number of milliseconds from ${MIN_DEADLINE_MS} to ${MAX_DEADLINE_MS}`;
  if (!/^\d+$/.test(value)) return invalid('FUNCTION_DEADLINE_MS', expected);
  const ms = Number(value);
  return ms >= MIN_DEADLINE_MS && ms <= MAX_DEADLINE_MS
    ? ms
    : invalid('FUNCTION_DEADLINE_MS', expected);
}

export function readSignatureCheckConfig(env: EnvironmentSource): SignatureCheckConfig {
  return {
    authToken: matching(env, 'AUTH_TOKEN', /^[0-9a-fA-F]{32}$/, '32 hexadecimal characters'),
    validateSignature: flag(env, 'VALIDATE_TWILIO_SIGNATURE', true),
  };
}

function readCacheKey(env: EnvironmentSource): Buffer | undefined {
  const value = optional(env, 'TOKEN_CACHE_KEY');
  if (value === undefined) return undefined;
  const expected = '32 bytes in base64 (e.g. `openssl rand -base64 32`)';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return invalid('TOKEN_CACHE_KEY', expected);
  const key = Buffer.from(value, 'base64');
  return key.length === 32 ? key : invalid('TOKEN_CACHE_KEY', expected);
}

function readDpopKey(env: EnvironmentSource): DpopKeyModule.DpopKey | undefined {
  const value = optional(env, 'DPOP_PRIVATE_KEY');
  if (value === undefined) return undefined;
  return (
    importDpopKey(value) ??
    invalid('DPOP_PRIVATE_KEY', 'an EC P-256 private key as a one-line JWK or PKCS#8 PEM')
  );
}

/**
 * Exactly one of AUTH0_CLIENT_SECRET and AUTH0_CLIENT_ASSERTION_KEY: with both, which one Auth0
 * checks would depend on the application's setting, and a leftover secret is the very thing
 * Private Key JWT removes.
 */
function readClientAuth(env: EnvironmentSource): ClientAuth {
  const secret = optional(env, 'AUTH0_CLIENT_SECRET');
  const keyText = optional(env, 'AUTH0_CLIENT_ASSERTION_KEY');
  const alg = optional(env, 'AUTH0_CLIENT_ASSERTION_ALG') ?? 'RS256';
  const kid = optional(env, 'AUTH0_CLIENT_ASSERTION_KID');
  if ((secret === undefined) === (keyText === undefined)) {
    const names = 'AUTH0_CLIENT_SECRET and AUTH0_CLIENT_ASSERTION_KEY';
    throw new FunctionError(
      'CONFIG_INVALID',
      secret === undefined
        ? `${names} are both missing: set exactly one`
        : `${names} are both set: set exactly one`,
      // One name in `variable`, as for every other configuration error; the message has both.
      { details: { variable: 'AUTH0_CLIENT_SECRET' } },
    );
  }
  if (secret !== undefined) {
    if (!/^\S{8,512}$/.test(secret)) {
      invalid('AUTH0_CLIENT_SECRET', 'a client secret (8-512 characters, no spaces)');
    }
    return { method: 'client_secret', clientSecret: secret };
  }
  if (!(ASSERTION_ALGS as readonly string[]).includes(alg)) {
    invalid('AUTH0_CLIENT_ASSERTION_ALG', ASSERTION_ALGS.join(', '));
  }
  if (kid !== undefined && !/^[\x21-\x7e]{1,128}$/.test(kid)) {
    invalid('AUTH0_CLIENT_ASSERTION_KID', 'a credential id (1-128 printable characters)');
  }
  const key =
    importAssertionKey(keyText as string) ??
    invalid(
      'AUTH0_CLIENT_ASSERTION_KEY',
      'an RSA private key of at least 2048 bits as PKCS#8 PEM or a one-line JWK',
    );
  return {
    method: 'private_key_jwt',
    assertionKey: new ClientAssertionKey(key, alg as AssertionModule.AssertionAlg, kid),
  };
}

export function readServiceConfig(env: EnvironmentSource): ServiceConfig {
  // Checked in the order the variables are documented, so the first problem named is the
  // first one a reader of .env.example would meet.
  const accountSid = matching(
    env,
    'ACCOUNT_SID',
    /^AC[0-9a-fA-F]{32}$/,
    'AC followed by 32 hex digits',
  );
  const authToken = readSignatureCheckConfig(env).authToken;
  const syncServiceSid = matching(
    env,
    'TWILIO_SYNC_SERVICE_SID',
    /^IS[0-9a-fA-F]{32}$/,
    'IS followed by 32 hex digits',
  );
  const syncTokenDoc = matching(
    env,
    'TWILIO_SYNC_TOKEN_DOC',
    /^[A-Za-z0-9_.:-]{1,100}$/,
    'a Sync document unique name (1-100 of A-Z a-z 0-9 _ . : -)',
  );
  if (/^ET[0-9a-fA-F]{32}$/.test(syncTokenDoc)) {
    invalid('TWILIO_SYNC_TOKEN_DOC', 'a unique name that is not shaped like a document SID');
  }
  return {
    accountSid,
    authToken,
    syncServiceSid,
    syncTokenDoc,
    // The Basic-auth header carries the auth token: plain http only to a loopback stand-in.
    syncBaseUrl: secureUrl(optional(env, 'TWILIO_SYNC_BASE_URL'), 'TWILIO_SYNC_BASE_URL')?.replace(
      /\/+$/,
      '',
    ),
    auth0TokenUrl: secureUrl(
      required(env, 'AUTH0_TOKEN_URL', 'an https URL'),
      'AUTH0_TOKEN_URL',
    ) as string,
    auth0ClientId: matching(env, 'AUTH0_CLIENT_ID', /^\S{1,128}$/, 'a client id without spaces'),
    auth0ClientAuth: readClientAuth(env),
    auth0Audience: matching(env, 'AUTH0_AUDIENCE', /^\S{1,512}$/, 'an API identifier'),
    // Required: a silent default would pass validation and fail on every call once deployed.
    apiBaseUrl: (
      secureUrl(required(env, 'API_BASE_URL', 'an https URL'), 'API_BASE_URL') as string
    ).replace(/\/+$/, ''),
    tokenCacheKey: readCacheKey(env),
    dpopKey: readDpopKey(env),
  };
}
