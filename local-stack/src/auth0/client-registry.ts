// The machine-to-machine applications the stand-in knows, and what each was granted:
// Auth0's "client grants" (audience → scopes). Secrets are compared in constant time.
import { timingSafeEqual, createHash } from 'node:crypto';
import { LocalStackError } from '../shared/local-stack-error';

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  grants: Record<string /* audience */, string[] /* scopes */>;
}

export class ClientRegistry {
  private readonly clients = new Map<string, RegisteredClient>();
  private readonly audiences = new Set<string>();

  constructor(clients: RegisteredClient[]) {
    for (const c of clients) {
      if (!c.clientId || !c.clientSecret) {
        throw new LocalStackError(
          'INVALID_OPTION',
          'Each client needs a clientId and a clientSecret',
        );
      }
      this.clients.set(c.clientId, { ...c, grants: { ...c.grants } });
      for (const audience of Object.keys(c.grants)) this.audiences.add(audience);
    }
  }

  /** The client when the id is known and the secret matches; undefined otherwise. */
  authenticate(clientId: string, clientSecret: string): RegisteredClient | undefined {
    const client = this.clients.get(clientId);
    if (!client) return undefined;
    return sameSecret(client.clientSecret, clientSecret) ? client : undefined;
  }

  /** Whether an API (Auth0 "resource server") with this identifier exists. */
  hasAudience(audience: string): boolean {
    return this.audiences.has(audience);
  }
}

function sameSecret(expected: string, given: string): boolean {
  // Hash first so that lengths match and timingSafeEqual never throws.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
