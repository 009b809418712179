// `npm run token -w local-stack`: prints an access token for the system started by
// `npm start`, for curl against secure-api. It asks the Auth0 stand-in as the functions do
// (Private Key JWT or the client secret, read from the generated .local-stack/functions.env)
// but sends no DPoP proof, so the token is a plain Bearer token. Only the token goes to
// stdout: TOKEN=$(npm run -s token -w local-stack).
import { importJWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { CLIENT_ASSERTION_TYPE } from '../auth0/client-assertion';
import { type SystemManifest } from '../launcher/system-config';

/** Well inside Auth0's 5-minute maximum. */
const ASSERTION_LIFETIME_SECONDS = 60;

async function credentials(
  manifest: SystemManifest,
  env: Record<string, string | undefined>,
): Promise<Record<string, string>> {
  const secret = env.AUTH0_CLIENT_SECRET;
  if (secret !== undefined) return { client_id: manifest.auth0.clientId, client_secret: secret };
  const jwk = env.AUTH0_CLIENT_ASSERTION_KEY;
  if (jwk === undefined) throw new Error('the generated settings hold no client credential');
  const alg = env.AUTH0_CLIENT_ASSERTION_ALG ?? 'RS256';
  let key;
  try {
    key = await importJWK(JSON.parse(jwk) as Record<string, string>, alg);
  } catch {
    // Never the parser's message: it would quote part of the private key.
    throw new Error('AUTH0_CLIENT_ASSERTION_KEY in the generated settings is not a usable JWK');
  }
  const issuer = new URL('/', manifest.auth0.tokenUrl).href;
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg })
    .setIssuer(manifest.auth0.clientId)
    .setSubject(manifest.auth0.clientId)
    .setAudience(issuer)
    .setIssuedAt()
    .setExpirationTime(`${ASSERTION_LIFETIME_SECONDS}s`)
    .sign(key);
  return { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion };
}

async function main(): Promise<number> {
  const stateDir =
    process.env.LOCAL_STACK_DIR ?? join(resolve(__dirname, '..', '..', '..'), '.local-stack');
  let manifest: SystemManifest;
  let env: Record<string, string | undefined>;
  try {
    manifest = JSON.parse(readFileSync(join(stateDir, 'system.json'), 'utf8')) as SystemManifest;
    env = parseEnv(readFileSync(manifest.functionsEnvFile, 'utf8'));
    if (manifest.auth0 === undefined) throw new Error('an older launcher wrote this manifest');
  } catch {
    console.error(`No running system found in ${stateDir}: start it first with \`npm start\`.`);
    return 1;
  }
  let response: Response;
  try {
    response = await fetch(manifest.auth0.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        audience: manifest.auth0.audience,
        ...(await credentials(manifest, env)),
      }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    console.error(
      `Cannot reach the Auth0 stand-in at ${manifest.auth0.tokenUrl} (is \`npm start\` running?): ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status !== 200 || typeof body.access_token !== 'string') {
    const text = (value: unknown): string => (typeof value === 'string' ? value : '');
    const why = `${text(body.error) || String(response.status)}: ${text(body.error_description)}`;
    console.error(`The Auth0 stand-in refused the token request (${why}).`);
    if (manifest.modes.dpop === 'required') {
      console.error(
        'This run has LOCAL_DPOP=required: Bearer tokens are refused. Restart `npm start` without it to use curl.',
      );
    }
    return 1;
  }
  process.stdout.write(`${body.access_token}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(
      `npm run token failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = 1;
  },
);
