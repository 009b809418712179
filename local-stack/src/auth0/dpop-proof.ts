// Checks the DPoP proof of a token request as RFC 9449 §4.3 lists it: one header holding one
// JWS, `typ` dpop+jwt, an asymmetric `alg`, a public `jwk` with no private members that
// verifies the signature, `htm` POST, `htu` the token endpoint, `iat` inside the window, a
// `jti` not seen within that window and, when nonces are on, the current nonce (§8).
// jose does the JOSE work (header decoding, key import, signature, RFC 7638 thumbprint).
import {
  calculateJwkThumbprint,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type JWK,
  type ProtectedHeaderParameters,
} from 'jose';
import { randomBytes } from 'node:crypto';
import { type OAuthError, oauthErrors } from './oauth-error';
import { SeenIds } from './seen-ids';

/** The algorithms advertised in dpop_signing_alg_values_supported and accepted in proofs. */
export const DPOP_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
] as const;

/** How far back and ahead a proof's `iat` may be (Auth0's resource-server SDK defaults). */
export const DPOP_IAT_PAST_SECONDS = 300;
export const DPOP_IAT_FUTURE_SECONDS = 30;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export interface DpopProofCheckerOptions {
  /** The token endpoint's URL: `htu` must name it. */
  tokenUrl: () => string;
  /** Demand the server nonce (RFC 9449 §8). */
  nonces: boolean;
}

export class DpopProofChecker {
  private readonly seen = new SeenIds();
  private currentNonce = randomBytes(16).toString('base64url');

  constructor(private readonly o: DpopProofCheckerOptions) {}

  get nonce(): string | undefined {
    return this.o.nonces ? this.currentNonce : undefined;
  }

  /** Issues a new nonce; proofs carrying the previous one then get use_dpop_nonce. */
  rotateNonce(): string {
    this.currentNonce = randomBytes(16).toString('base64url');
    return this.currentNonce;
  }

  /**
   * The RFC 7638 thumbprint of the proof's key when the proof holds; the refusal otherwise.
   * `values` are the request's DPoP header values (one per header line).
   */
  async check(values: string[], nowMs = Date.now()): Promise<{ jkt: string } | OAuthError> {
    const bad = oauthErrors.invalidDpopProof;
    if (values.length !== 1) return bad('Exactly one DPoP header is allowed');
    const proof = values[0]!.trim();
    if (!COMPACT_JWS.test(proof)) return bad('The DPoP proof is not a compact JWS');

    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      return bad('The DPoP proof header is not valid JSON');
    }
    if (header.typ !== 'dpop+jwt') return bad('The DPoP proof typ must be dpop+jwt');
    const alg = header.alg;
    if (!DPOP_ALGORITHMS.some((a) => a === alg)) {
      return bad('The DPoP proof alg must be an asymmetric algorithm');
    }
    const jwk = header.jwk;
    if (jwk === undefined || typeof jwk !== 'object' || jwk === null) {
      return bad('The DPoP proof header must hold the public jwk');
    }
    if (PRIVATE_MEMBERS.some((m) => m in jwk) || (jwk.kty !== 'EC' && jwk.kty !== 'RSA')) {
      return bad('The DPoP proof jwk must be a public key');
    }

    let payload: Record<string, unknown>;
    try {
      const key = await importJWK(jwk as JWK, alg);
      const verified = await compactVerify(proof, key, { algorithms: [alg!] });
      payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
      if (payload === null || typeof payload !== 'object') throw new TypeError('not an object');
    } catch {
      return bad('The DPoP proof signature does not verify with its jwk');
    }

    if (payload.htm !== 'POST') return bad('The DPoP proof htm must be POST');
    if (typeof payload.htu !== 'string' || !sameEndpoint(payload.htu, this.o.tokenUrl())) {
      return bad('The DPoP proof htu must be the token endpoint URL');
    }
    const nowSeconds = nowMs / 1000;
    const iat = payload.iat;
    if (typeof iat !== 'number' || !Number.isFinite(iat)) {
      return bad('The DPoP proof must have a numeric iat');
    }
    if (iat < nowSeconds - DPOP_IAT_PAST_SECONDS || iat > nowSeconds + DPOP_IAT_FUTURE_SECONDS) {
      return bad('The DPoP proof iat is outside the accepted window');
    }
    if (typeof payload.jti !== 'string' || payload.jti === '') {
      return bad('The DPoP proof must have a jti');
    }
    if (this.o.nonces && payload.nonce !== this.currentNonce) {
      return oauthErrors.useDpopNonce(this.currentNonce);
    }
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    // Scoped by key: two clients choosing the same jti do not collide.
    const expiresAtMs = (iat + DPOP_IAT_PAST_SECONDS) * 1000;
    if (!this.seen.remember(`${jkt}:${payload.jti}`, expiresAtMs, nowMs)) {
      return bad('The DPoP proof jti has already been used');
    }
    return { jkt };
  }
}

/** RFC 9449 §4.3 point 9: the URI without query and fragment, scheme and host case-free. */
function sameEndpoint(htu: string, tokenUrl: string): boolean {
  try {
    const a = new URL(htu);
    const b = new URL(tokenUrl);
    return a.origin === b.origin && a.pathname === b.pathname;
  } catch {
    return false;
  }
}
