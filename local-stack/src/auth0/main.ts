// Standalone Auth0 stand-in: `node dist/auth0/main.js` (or `npm run auth0 -w local-stack`).
// Env: LOCAL_AUTH0_PORT (4000), LOCAL_AUTH0_CLIENT_ID, LOCAL_AUTH0_CLIENT_SECRET,
// LOCAL_AUTH0_AUDIENCE, LOCAL_AUTH0_SCOPES (space-separated), LOCAL_AUTH0_TOKEN_LIFETIME
// (seconds, 86400), LOCAL_AUTH0_CONTROL (true enables the /__control routes).
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

const env = (name: string): string | undefined => process.env[name] || undefined;

function lifetime(): number {
  const raw = env('LOCAL_AUTH0_TOKEN_LIFETIME');
  if (raw === undefined) return DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!/^\d+$/.test(raw)) {
    throw new LocalStackError('INVALID_OPTION', 'LOCAL_AUTH0_TOKEN_LIFETIME must be whole seconds');
  }
  return Number(raw);
}

const clientId = env('LOCAL_AUTH0_CLIENT_ID') ?? DEFAULT_CLIENT_ID;
const clientSecret = env('LOCAL_AUTH0_CLIENT_SECRET') ?? DEFAULT_CLIENT_SECRET;
const audience = env('LOCAL_AUTH0_AUDIENCE') ?? DEFAULT_AUDIENCE;
const scopes = (env('LOCAL_AUTH0_SCOPES')?.split(/\s+/) ?? DEFAULT_SCOPES).filter(Boolean);
const control = envFlag('LOCAL_AUTH0_CONTROL');

void runStandalone(
  () =>
    startAuth0StandIn({
      port: envPort('LOCAL_AUTH0_PORT', DEFAULT_PORT),
      clients: [{ clientId, clientSecret, grants: { [audience]: scopes } }],
      tokenLifetimeSeconds: lifetime(),
      enableControl: control,
      log: printLine,
    }),
  (url) => [
    `issuer ${url}`,
    `token_url ${url}oauth/token`,
    `jwks_uri ${url}.well-known/jwks.json`,
    `client_id ${clientId}`,
    // A secret chosen by the user is never printed; the documented default is public.
    `client_secret ${clientSecret === DEFAULT_CLIENT_SECRET ? DEFAULT_CLIENT_SECRET : '(from LOCAL_AUTH0_CLIENT_SECRET)'}`,
    `audience ${audience}`,
    `scopes ${scopes.join(' ')}`,
    `control ${control ? 'on' : 'off'}`,
  ],
);
