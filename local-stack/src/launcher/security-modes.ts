// How the local system's parts prove who they are: Private Key JWT (the default) or a client
// secret towards the Auth0 stand-in, and DPoP-bound tokens (`allowed`, the default, or
// `required`) or Bearer only. Chosen by LOCAL_CLIENT_AUTH and LOCAL_DPOP; the keys are fresh
// for every run and live only in the generated files and the children's environments.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { LocalStackError } from '../shared/local-stack-error';

/** `off`: Bearer tokens only (the stand-in ignores proofs, secure-api refuses DPoP). */
export type DpopMode = 'allowed' | 'required' | 'off';
export type ClientAuthMode = 'private_key_jwt' | 'secret';

export interface SecurityModes {
  dpop: DpopMode;
  clientAuth: ClientAuthMode;
}

export const DEFAULT_SECURITY_MODES: SecurityModes = {
  dpop: 'allowed',
  clientAuth: 'private_key_jwt',
};

/** The algorithm the functions sign their client assertions with (Auth0's default). */
export const CLIENT_ASSERTION_ALG = 'RS256';

/** Reads LOCAL_DPOP and LOCAL_CLIENT_AUTH; a bad value stops the launcher naming it. */
export function modesFromEnvironment(env: NodeJS.ProcessEnv): SecurityModes {
  return { dpop: dpopMode(env.LOCAL_DPOP), clientAuth: clientAuthMode(env.LOCAL_CLIENT_AUTH) };
}

function dpopMode(raw: string | undefined): DpopMode {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'allowed' || value === 'true') return 'allowed';
  if (value === 'required') return 'required';
  if (value === 'false' || value === 'off' || value === 'none') return 'off';
  throw new LocalStackError('INVALID_OPTION', 'LOCAL_DPOP must be allowed, required or false');
}

function clientAuthMode(raw: string | undefined): ClientAuthMode {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'private_key_jwt') return 'private_key_jwt';
  if (value === 'secret') return 'secret';
  throw new LocalStackError(
    'INVALID_OPTION',
    'LOCAL_CLIENT_AUTH must be private_key_jwt (the default) or secret',
  );
}

/** What the parts need for the chosen modes; each member is present only when its mode is on. */
export interface SecurityMaterial {
  /** The client secret (LOCAL_CLIENT_AUTH=secret). */
  clientSecret: string | undefined;
  /** Private Key JWT: the functions' private key (one-line JWK) and the public key (SPKI PEM). */
  assertionKey: { privateJwk: string; publicPem: string } | undefined;
  /** DPoP: the functions' EC P-256 private key, as a one-line JWK. */
  dpopPrivateJwk: string | undefined;
}

export function createSecurityMaterial(modes: SecurityModes): SecurityMaterial {
  return {
    clientSecret: modes.clientAuth === 'secret' ? randomBytes(24).toString('base64url') : undefined,
    assertionKey: modes.clientAuth === 'private_key_jwt' ? rsaKeyPair() : undefined,
    dpopPrivateJwk: modes.dpop === 'off' ? undefined : ecPrivateJwk(),
  };
}

// node:crypto rather than jose here: generation is synchronous, so the configuration stays a
// plain function of its options, and one-line JWK/PEM is all the parts read.
function rsaKeyPair(): { privateJwk: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateJwk: JSON.stringify(privateKey.export({ format: 'jwk' })),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function ecPrivateJwk(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify(privateKey.export({ format: 'jwk' }));
}

/** One line for the banner: which modes are on, and how to switch. */
export function describeModes(modes: SecurityModes): string[] {
  const dpop = {
    allowed:
      'DPoP on: the functions’ tokens are bound to a fresh key (API and stand-in accept Bearer too)',
    required:
      'DPoP required: the stand-in and secure-api refuse Bearer tokens (LOCAL_DPOP=required)',
    off: 'DPoP off: Bearer tokens only (LOCAL_DPOP=false)',
  }[modes.dpop];
  const auth = {
    private_key_jwt:
      'Private Key JWT: the functions sign client assertions; no client secret anywhere',
    secret: 'Client secret: the functions send a generated secret (LOCAL_CLIENT_AUTH=secret)',
  }[modes.clientAuth];
  return [dpop, auth];
}
