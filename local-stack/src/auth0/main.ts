// Standalone Auth0 stand-in: `node dist/auth0/main.js` (or `npm run auth0 -w local-stack`).
// Env: LOCAL_AUTH0_PORT (4000), LOCAL_AUTH0_CLIENT_ID, LOCAL_AUTH0_CLIENT_SECRET,
// LOCAL_AUTH0_CLIENT_PUBLIC_KEY (SPKI PEM or a path to one, up to two PEM blocks for a
// rotation: Private Key JWT; with it and no secret, the client has no secret at all),
// LOCAL_AUTH0_CLIENT_PUBLIC_KEY_KID (the credential ids, comma-separated in the same order),
// LOCAL_AUTH0_AUDIENCE, LOCAL_AUTH0_SCOPES (space-separated), LOCAL_AUTH0_TOKEN_LIFETIME
// (seconds, 86400), LOCAL_AUTH0_DPOP (none | allowed | required, default allowed),
// LOCAL_AUTH0_DPOP_NONCE (true demands DPoP nonces), LOCAL_AUTH0_CONTROL (true enables the
// /__control routes).
import { readFileSync } from 'node:fs';
import { envFlag, envPort, printLine, runStandalone } from '../shared/run-standalone';
import { LocalStackError } from '../shared/local-stack-error';
import {
  DEFAULT_AUDIENCE,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_PORT,
  DEFAULT_SCOPES,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
} from './auth0-defaults';
import { startAuth0StandIn } from './auth0-stand-in';
import { type RegisteredClient, type RegisteredPublicKey } from './client-registry';
import { DEFAULT_SENDER_CONSTRAINING, senderConstraining } from './sender-constraining';

const env = (name: string): string | undefined => process.env[name] || undefined;

function lifetime(): number {
  const raw = env('LOCAL_AUTH0_TOKEN_LIFETIME');
  if (raw === undefined) return DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!/^\d+$/.test(raw)) {
    throw new LocalStackError('INVALID_OPTION', 'LOCAL_AUTH0_TOKEN_LIFETIME must be whole seconds');
  }
  return Number(raw);
}

/** The PEM itself, or the file it names (read here so a bad path is named at start). */
function publicKey(): string | undefined {
  const raw = env('LOCAL_AUTH0_CLIENT_PUBLIC_KEY');
  if (raw === undefined || raw.includes('-----BEGIN')) return raw?.replace(/\\n/g, '\n');
  try {
    return readFileSync(raw, 'utf8');
  } catch {
    throw new LocalStackError(
      'INVALID_OPTION',
      'LOCAL_AUTH0_CLIENT_PUBLIC_KEY must be a PEM or the path of a readable PEM file',
    );
  }
}

const clientId = env('LOCAL_AUTH0_CLIENT_ID') ?? DEFAULT_CLIENT_ID;
const audience = env('LOCAL_AUTH0_AUDIENCE') ?? DEFAULT_AUDIENCE;
const scopes = (env('LOCAL_AUTH0_SCOPES')?.split(/\s+/) ?? DEFAULT_SCOPES).filter(Boolean);
const control = envFlag('LOCAL_AUTH0_CONTROL');
const dpopNonce = envFlag('LOCAL_AUTH0_DPOP_NONCE');
const kids =
  env('LOCAL_AUTH0_CLIENT_PUBLIC_KEY_KID')
    ?.split(',')
    .map((k) => k.trim()) ?? [];

/** Each PEM block of the variable, with its credential id when one is given. */
function publicKeys(pem: string): RegisteredPublicKey[] {
  const blocks = pem.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [pem];
  return blocks.map((block, i) => ({ pem: block, ...(kids[i] ? { kid: kids[i] } : {}) }));
}

void runStandalone(
  () => {
    const pem = publicKey();
    // With a public key and no secret given, the client has no secret at all.
    const clientSecret =
      env('LOCAL_AUTH0_CLIENT_SECRET') ?? (pem === undefined ? DEFAULT_CLIENT_SECRET : undefined);
    const client: RegisteredClient = {
      clientId,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      ...(pem === undefined ? {} : { publicKeys: publicKeys(pem) }),
      grants: { [audience]: scopes },
    };
    return startAuth0StandIn({
      port: envPort('LOCAL_AUTH0_PORT', DEFAULT_PORT),
      clients: [client],
      tokenLifetimeSeconds: lifetime(),
      senderConstraining: senderConstraining(
        env('LOCAL_AUTH0_DPOP') ?? DEFAULT_SENDER_CONSTRAINING,
        'LOCAL_AUTH0_DPOP',
      ),
      dpopNonce,
      enableControl: control,
      log: printLine,
    });
  },
  (url) => [
    `issuer ${url}`,
    `token_url ${url}oauth/token`,
    `jwks_uri ${url}.well-known/jwks.json`,
    `client_id ${clientId}`,
    // A secret chosen by the user is never printed; the documented default is public.
    `client_secret ${clientSecretLine()}`,
    `client_auth ${env('LOCAL_AUTH0_CLIENT_PUBLIC_KEY') === undefined ? 'client_secret' : 'private_key_jwt'}`,
    `dpop ${env('LOCAL_AUTH0_DPOP') ?? DEFAULT_SENDER_CONSTRAINING}${dpopNonce ? ' (nonce)' : ''}`,
    `audience ${audience}`,
    `scopes ${scopes.join(' ')}`,
    `control ${control ? 'on' : 'off'}`,
  ],
);

function clientSecretLine(): string {
  const given = env('LOCAL_AUTH0_CLIENT_SECRET');
  if (given !== undefined) return '(from LOCAL_AUTH0_CLIENT_SECRET)';
  return env('LOCAL_AUTH0_CLIENT_PUBLIC_KEY') === undefined ? DEFAULT_CLIENT_SECRET : '(none)';
}
