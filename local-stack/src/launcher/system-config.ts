// Everything the four parts need to find and trust each other, generated fresh for each run:
// the client's key pair (Private Key JWT) or secret, the functions' DPoP key, well-formed
// local Twilio credentials, the Sync service SID, the URLs. The launcher hands these to its
// children through their environment and, for twilio-run (whose functions see only its --env
// file), a generated file under the git-ignored state directory. It never reads or writes
// the user's own .env files, and each part gets its whole configuration from here.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PartPorts } from './ports';
import {
  CLIENT_ASSERTION_ALG,
  createSecurityMaterial,
  DEFAULT_SECURITY_MODES,
  type SecurityMaterial,
  type SecurityModes,
} from './security-modes';

export const LOCAL_CLIENT_ID = 'local-m2m-client';
export const LOCAL_AUDIENCE = 'https://secure-api.local';
export const LOCAL_SCOPES = 'read:customers write:interactions';
export const SYNC_TOKEN_DOCUMENT = 'customer-api-token';

export interface SystemUrls {
  /** Auth0 stand-in, with the trailing slash of an Auth0 issuer. */
  auth0: string;
  sync: string;
  api: string;
  functions: string;
  /** The page to open first. */
  testApiCall: string;
}

export interface SystemConfig {
  rootDir: string;
  stateDir: string;
  ports: PartPorts;
  urls: SystemUrls;
  /** Private Key JWT or secret, DPoP or Bearer: see security-modes. */
  modes: SecurityModes;
  security: SecurityMaterial;
  auth0: {
    clientId: string;
    /** Only with LOCAL_CLIENT_AUTH=secret: Private Key JWT runs with no secret anywhere. */
    clientSecret: string | undefined;
    audience: string;
    scopes: string;
    issuer: string;
    tokenUrl: string;
    jwksUri: string;
  };
  twilio: {
    accountSid: string;
    /** Signs requests to the protected functions (X-Twilio-Signature) and authenticates to Sync. */
    authToken: string;
    syncServiceSid: string;
    syncTokenDocument: string;
  };
  /** Encrypts the token cached in Sync (AES-256-GCM); fresh per run like the in-memory Sync. */
  tokenCacheKey: string;
  databasePath: string;
  functionsEnvFile: string;
  enableControl: boolean;
  tokenLifetimeSeconds: number | undefined;
  functionDeadlineMs: number | undefined;
}

export interface SystemConfigOptions {
  rootDir: string;
  stateDir: string;
  ports: PartPorts;
  enableControl: boolean;
  tokenLifetimeSeconds?: number;
  functionDeadlineMs?: number;
  databasePath?: string;
  /** Default: DPoP allowed and Private Key JWT. */
  modes?: SecurityModes;
}

export function createSystemConfig(o: SystemConfigOptions): SystemConfig {
  const auth0Url = `http://127.0.0.1:${o.ports.auth0}/`;
  // twilio-run listens on every interface and names itself "localhost" (its DOMAIN_NAME).
  const functionsUrl = `http://localhost:${o.ports.functions}`;
  const modes = o.modes ?? DEFAULT_SECURITY_MODES;
  const security = createSecurityMaterial(modes);
  return {
    rootDir: o.rootDir,
    stateDir: o.stateDir,
    ports: o.ports,
    urls: {
      auth0: auth0Url,
      sync: `http://127.0.0.1:${o.ports.sync}`,
      api: `http://127.0.0.1:${o.ports.api}`,
      functions: functionsUrl,
      testApiCall: `${functionsUrl}/test-api-call`,
    },
    modes,
    security,
    auth0: {
      clientId: LOCAL_CLIENT_ID,
      clientSecret: security.clientSecret,
      audience: LOCAL_AUDIENCE,
      scopes: LOCAL_SCOPES,
      issuer: auth0Url,
      tokenUrl: `${auth0Url}oauth/token`,
      jwksUri: `${auth0Url}.well-known/jwks.json`,
    },
    twilio: {
      accountSid: `AC${randomHex(16)}`,
      authToken: randomHex(16),
      syncServiceSid: `IS${randomHex(16)}`,
      syncTokenDocument: SYNC_TOKEN_DOCUMENT,
    },
    tokenCacheKey: randomBytes(32).toString('base64'),
    databasePath: o.databasePath ?? join(o.stateDir, 'secure-api.db'),
    functionsEnvFile: join(o.stateDir, 'functions.env'),
    enableControl: o.enableControl,
    tokenLifetimeSeconds: o.tokenLifetimeSeconds,
    functionDeadlineMs: o.functionDeadlineMs,
  };
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** The API's sender-constraining policy at the stand-in for each DPoP mode. */
const STAND_IN_DPOP = { allowed: 'allowed', required: 'required', off: 'none' } as const;
/** secure-api's AUTH0_DPOP_MODE for each DPoP mode. */
const API_DPOP = { allowed: 'allowed', required: 'required', off: 'disabled' } as const;

/** Environment of the Auth0 stand-in (local-stack/dist/auth0/main.js). */
export function auth0Environment(c: SystemConfig): Record<string, string> {
  const key = c.security.assertionKey;
  return {
    LOCAL_AUTH0_PORT: String(c.ports.auth0),
    LOCAL_AUTH0_CLIENT_ID: c.auth0.clientId,
    ...(c.auth0.clientSecret === undefined
      ? {}
      : { LOCAL_AUTH0_CLIENT_SECRET: c.auth0.clientSecret }),
    ...(key === undefined ? {} : { LOCAL_AUTH0_CLIENT_PUBLIC_KEY: key.publicPem }),
    LOCAL_AUTH0_AUDIENCE: c.auth0.audience,
    LOCAL_AUTH0_SCOPES: c.auth0.scopes,
    LOCAL_AUTH0_DPOP: STAND_IN_DPOP[c.modes.dpop],
    LOCAL_AUTH0_CONTROL: String(c.enableControl),
    ...(c.tokenLifetimeSeconds === undefined
      ? {}
      : { LOCAL_AUTH0_TOKEN_LIFETIME: String(c.tokenLifetimeSeconds) }),
  };
}

/** Environment of the Sync stand-in (local-stack/dist/sync/main.js); documents live in memory. */
export function syncEnvironment(c: SystemConfig): Record<string, string> {
  return {
    LOCAL_SYNC_PORT: String(c.ports.sync),
    LOCAL_TWILIO_ACCOUNT_SID: c.twilio.accountSid,
    LOCAL_TWILIO_AUTH_TOKEN: c.twilio.authToken,
    LOCAL_SYNC_CONTROL: String(c.enableControl),
  };
}

/**
 * Environment of secure-api: its whole configuration. SECURE_API_SKIP_ENV_FILE keeps it from
 * reading secure-api/.env, so a developer's production settings (CORS origins, log level…)
 * never leak into the local system.
 */
export function apiEnvironment(c: SystemConfig): Record<string, string> {
  return {
    SECURE_API_SKIP_ENV_FILE: 'true',
    HOST: '127.0.0.1',
    PORT: String(c.ports.api),
    AUTH0_ISSUER_URL: c.auth0.issuer,
    AUTH0_AUDIENCE: c.auth0.audience,
    AUTH0_JWKS_URI: c.auth0.jwksUri,
    DATABASE_PATH: c.databasePath,
    AUTH0_DPOP_MODE: API_DPOP[c.modes.dpop],
    LOG_LEVEL: 'info',
    // The OpenAPI page at /docs: handy locally, and harmless on loopback.
    ENABLE_API_DOCS: 'true',
  };
}

/** The --env file of twilio-run: inside the functions, process.env and context are exactly this. */
export function functionsEnvironment(c: SystemConfig): Record<string, string> {
  return {
    ACCOUNT_SID: c.twilio.accountSid,
    AUTH_TOKEN: c.twilio.authToken,
    TWILIO_SYNC_SERVICE_SID: c.twilio.syncServiceSid,
    TWILIO_SYNC_TOKEN_DOC: c.twilio.syncTokenDocument,
    TWILIO_SYNC_BASE_URL: c.urls.sync,
    AUTH0_TOKEN_URL: c.auth0.tokenUrl,
    AUTH0_CLIENT_ID: c.auth0.clientId,
    ...(c.auth0.clientSecret === undefined ? {} : { AUTH0_CLIENT_SECRET: c.auth0.clientSecret }),
    ...(c.security.assertionKey === undefined
      ? {}
      : {
          AUTH0_CLIENT_ASSERTION_KEY: c.security.assertionKey.privateJwk,
          AUTH0_CLIENT_ASSERTION_ALG: CLIENT_ASSERTION_ALG,
        }),
    ...(c.security.dpopPrivateJwk === undefined
      ? {}
      : { DPOP_PRIVATE_KEY: c.security.dpopPrivateJwk }),
    AUTH0_AUDIENCE: c.auth0.audience,
    API_BASE_URL: c.urls.api,
    ENABLE_TEST_ENDPOINT: 'true',
    VALIDATE_TWILIO_SIGNATURE: 'true',
    TOKEN_CACHE_KEY: c.tokenCacheKey,
    ...(c.functionDeadlineMs === undefined
      ? {}
      : { FUNCTION_DEADLINE_MS: String(c.functionDeadlineMs) }),
  };
}

/** What other tools (the request signer) need to find this run; holds no secret. */
export interface SystemManifest {
  urls: SystemUrls;
  /** Token URL, client id and audience: what `npm run token` asks the stand-in for. */
  auth0: { tokenUrl: string; clientId: string; audience: string };
  modes: SecurityModes;
  functionsEnvFile: string;
  launcherPid: number;
}

export const MANIFEST_FILE = 'system.json';

/** Writes the generated files, readable by the current user only (they hold secrets). */
export async function writeGeneratedFiles(c: SystemConfig): Promise<void> {
  await mkdir(c.stateDir, { recursive: true, mode: 0o700 });
  const header = [
    '# Generated by `npm start` (local-stack launcher) for one run; rewritten on every start.',
    '# Edit twilio-auth0-client/.env for real accounts instead: this file is not read from there.',
  ];
  const lines = Object.entries(functionsEnvironment(c)).map(([key, value]) => `${key}=${value}`);
  await writeFile(c.functionsEnvFile, [...header, ...lines, ''].join('\n'), { mode: 0o600 });
  await chmod(c.functionsEnvFile, 0o600);
  const manifest: SystemManifest = {
    urls: c.urls,
    auth0: { tokenUrl: c.auth0.tokenUrl, clientId: c.auth0.clientId, audience: c.auth0.audience },
    modes: c.modes,
    functionsEnvFile: c.functionsEnvFile,
    launcherPid: process.pid,
  };
  await writeFile(join(c.stateDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}
