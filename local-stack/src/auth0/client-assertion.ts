// Private Key JWT client authentication (RFC 7523 §2.2, as Auth0 documents it): the client
// signs a short-lived assertion with its private key and the stand-in holds only the public
// key of each of the client's one or two credentials. Checked: the signature by a registered
// key (chosen by `kid` when given), `alg` one of that credential's algorithms, `iss` = `sub`
// = the client id, `aud` the issuer (or the token endpoint), `exp` present and at most
// 5 minutes after `iat`, 10 s of clock skew, a `jti` not reused within the assertion's
// lifetime, and `iss`, `sub` and `jti` at most 64 characters. jose verifies the JWS.
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { type KeyObject } from 'node:crypto';
import { SeenIds } from './seen-ids';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The algorithms Auth0 offers for an application credential. */
export type AssertionAlgorithm = 'RS256' | 'RS384' | 'PS256';
export const ASSERTION_ALGORITHMS: readonly AssertionAlgorithm[] = ['RS256', 'RS384', 'PS256'];

/** A registered credential: the public key, Auth0's credential id, and its algorithms. */
export interface ClientCredential {
  publicKey: KeyObject;
  kid: string | undefined;
  algorithms: readonly AssertionAlgorithm[];
}

export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
export const ASSERTION_CLOCK_SKEW_SECONDS = 10;
const MAX_CLAIM_LENGTH = 64;

export type AssertionResult = { ok: true } | { ok: false; reason: string };

/** The client id an assertion claims (`iss`), read before any verification to find the client. */
export function claimedClientId(assertion: string): string | undefined {
  try {
    const iss = decodeJwt(assertion).iss;
    return typeof iss === 'string' && iss !== '' ? iss : undefined;
  } catch {
    return undefined;
  }
}

export class ClientAssertionChecker {
  private readonly seen = new SeenIds();

  constructor(
    private readonly issuer: () => string,
    private readonly tokenUrl: () => string,
  ) {}

  async check(
    clientId: string,
    credentials: readonly ClientCredential[],
    assertion: string,
    nowMs = Date.now(),
  ): Promise<AssertionResult> {
    const refuse = (reason: string): AssertionResult => ({ ok: false, reason });
    if (credentials.length === 0) return refuse('the client has no registered public key');
    let alg: string | undefined;
    let kid: string | undefined;
    try {
      ({ alg, kid } = decodeProtectedHeader(assertion));
    } catch {
      return refuse('the client assertion is not a JWS');
    }
    const candidates = credentials.filter((c) => kid === undefined || c.kid === kid);
    if (candidates.length === 0) return refuse('unknown kid');
    const allowed = candidates.filter((c) => c.algorithms.some((a) => a === alg));
    if (allowed.length === 0) return refuse(`alg ${String(alg)} is not the credential's`);

    let payload: Record<string, unknown> | undefined;
    for (const credential of allowed) {
      try {
        const verified = await compactVerify(assertion, credential.publicKey, {
          algorithms: [...credential.algorithms],
        });
        payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
        break;
      } catch {
        // Try the client's other credential (rotation keeps two).
      }
    }
    if (payload === undefined || payload === null || typeof payload !== 'object') {
      return refuse('the signature does not verify with a registered key');
    }

    const { iss, sub, aud, exp, iat, jti } = payload;
    if (iss !== clientId || sub !== clientId) return refuse('iss and sub must be the client id');
    if (typeof jti !== 'string' || jti === '') return refuse('jti is missing');
    if (iss.length > MAX_CLAIM_LENGTH || jti.length > MAX_CLAIM_LENGTH) {
      return refuse(`iss, sub and jti must be at most ${MAX_CLAIM_LENGTH} characters`);
    }
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.some((a) => a === this.issuer() || a === this.tokenUrl())) {
      return refuse('aud must be the issuer URL');
    }
    const now = nowMs / 1000;
    const skew = ASSERTION_CLOCK_SKEW_SECONDS;
    if (typeof exp !== 'number') return refuse('exp is missing');
    if (exp <= now - skew) return refuse('the client assertion has expired');
    if (iat !== undefined && (typeof iat !== 'number' || iat > now + skew)) {
      return refuse('iat is in the future');
    }
    const issuedAt = typeof iat === 'number' ? iat : now;
    if (exp - issuedAt > MAX_ASSERTION_LIFETIME_SECONDS + (iat === undefined ? skew : 0)) {
      return refuse('exp is more than 5 minutes after iat');
    }
    if (!this.seen.remember(`${clientId}:${jti}`, (exp + skew) * 1000, nowMs)) {
      return refuse('the jti has already been used');
    }
    return { ok: true };
  }
}
