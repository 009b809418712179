// The machine-to-machine applications the stand-in knows, how each authenticates (a client
// secret, one or two public keys for Private Key JWT, or both) and what each was granted:
// Auth0's "client grants" (audience → scopes). Secrets are compared in constant time.
import { createPublicKey, timingSafeEqual, createHash } from 'node:crypto';
import { LocalStackError } from '../shared/local-stack-error';
import {
  ASSERTION_ALGORITHMS,
  type AssertionAlgorithm,
  type ClientCredential,
} from './client-assertion';

/** A public key registered for Private Key JWT: Auth0's application "credential". */
export interface RegisteredPublicKey {
  /** SPKI PEM of an RSA key of 2048 bits or more. */
  pem: string;
  /** Auth0's credential id, sent by clients as the assertion's `kid`. */
  kid?: string;
  /** Default: every algorithm Auth0 offers (RS256, RS384, PS256). */
  algorithms?: AssertionAlgorithm[];
}

export interface RegisteredClient {
  clientId: string;
  /** Optional when the client has public keys (Private Key JWT only). */
  clientSecret?: string;
  /** At most two, as Auth0 allows (so keys rotate without downtime); a bare string is a PEM. */
  publicKeys?: Array<string | RegisteredPublicKey>;
  grants: Record<string /* audience */, string[] /* scopes */>;
}

interface KnownClient {
  clientId: string;
  clientSecret: string | undefined;
  credentials: ClientCredential[];
  grants: Record<string, string[]>;
}

const MAX_CREDENTIALS = 2;
const MIN_RSA_BITS = 2048;

export class ClientRegistry {
  private readonly clients = new Map<string, KnownClient>();
  private readonly audiences = new Set<string>();

  constructor(clients: RegisteredClient[]) {
    for (const c of clients) {
      const credentials = (c.publicKeys ?? []).map((k) => credential(c.clientId, k));
      if (!c.clientId || (!c.clientSecret && credentials.length === 0)) {
        throw new LocalStackError(
          'INVALID_OPTION',
          'Each client needs a clientId and a clientSecret or public keys',
        );
      }
      if (credentials.length > MAX_CREDENTIALS) {
        throw new LocalStackError(
          'INVALID_OPTION',
          `Client ${c.clientId}: at most ${MAX_CREDENTIALS} public keys`,
        );
      }
      this.clients.set(c.clientId, {
        clientId: c.clientId,
        clientSecret: c.clientSecret || undefined,
        credentials,
        grants: { ...c.grants },
      });
      for (const audience of Object.keys(c.grants)) this.audiences.add(audience);
    }
  }

  /** The client when the id is known and the secret matches; undefined otherwise. */
  authenticate(clientId: string, clientSecret: string): KnownClient | undefined {
    const client = this.clients.get(clientId);
    if (client?.clientSecret === undefined) return undefined;
    return sameSecret(client.clientSecret, clientSecret) ? client : undefined;
  }

  /** The client by id, for Private Key JWT (its assertion is checked by the caller). */
  find(clientId: string): KnownClient | undefined {
    return this.clients.get(clientId);
  }

  /** Whether an API (Auth0 "resource server") with this identifier exists. */
  hasAudience(audience: string): boolean {
    return this.audiences.has(audience);
  }
}

function credential(clientId: string, given: string | RegisteredPublicKey): ClientCredential {
  const k = typeof given === 'string' ? { pem: given } : given;
  const problem = `Client ${clientId}: each public key must be an RSA SPKI PEM of at least ${MIN_RSA_BITS} bits`;
  let publicKey;
  try {
    publicKey = createPublicKey(k.pem);
  } catch {
    throw new LocalStackError('INVALID_OPTION', problem);
  }
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (publicKey.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
    throw new LocalStackError('INVALID_OPTION', problem);
  }
  const algorithms = k.algorithms ?? [...ASSERTION_ALGORITHMS];
  if (algorithms.length === 0 || algorithms.some((a) => !ASSERTION_ALGORITHMS.includes(a))) {
    throw new LocalStackError(
      'INVALID_OPTION',
      `Client ${clientId}: algorithms must be among ${ASSERTION_ALGORITHMS.join(', ')}`,
    );
  }
  return { publicKey, kid: k.kid, algorithms };
}

function sameSecret(expected: string, given: string): boolean {
  // Hash first so that lengths match and timingSafeEqual never throws.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
