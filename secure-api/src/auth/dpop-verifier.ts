// What the DPoP scheme adds to a verified access token (RFC 9449 §4.3 and §7.1): a proof
// that verifies (dpop-proof.ts) for this request and this token, made with the key the token
// is bound to (`cnf.jkt`), carrying the server's nonce when nonces are on, and not seen
// before. Everything here is synchronous; a client's key is imported once.
import { LRUCache } from 'lru-cache';
import type { DpopMode } from '../config/app-config.js';
import { invalidDpopProof, invalidToken, useDpopNonce } from './auth-errors.js';
import { DpopNonces } from './dpop-nonce.js';
import { accessTokenHash, ProofHeaderCache, verifyProof } from './dpop-proof.js';
import { DPOP_ALGORITHMS, ProofKeyCache } from './dpop-proof-key.js';
import { DpopReplayCache } from './dpop-replay-cache.js';
import { normaliseHtu, requestTargetUri } from './dpop-target-uri.js';
import type { VerifiedClaims } from './verified-claims.js';

export interface DpopOptions {
  mode: DpopMode;
  /** API_PUBLIC_URL's origin: the origin of every proof's htu when set. */
  publicOrigin?: string;
  /** DPOP_NONCE_SECRET: nonces are required when set. */
  nonceSecret?: string;
  /** Seconds a proof's iat may lie in the past / future (Auth0's SDK: 300 / 30). */
  maxAgeSeconds: number;
  maxFutureSeconds: number;
  /** Accepted proofs remembered per process (see dpop-replay-cache.ts). */
  replayCacheEntries: number;
  /** Client keys kept imported, by thumbprint. */
  proofKeyCacheEntries: number;
  clock?: () => number;
}

export const DEFAULT_DPOP_OPTIONS: DpopOptions = {
  mode: 'allowed',
  maxAgeSeconds: 300,
  maxFutureSeconds: 30,
  replayCacheEntries: 100_000,
  proofKeyCacheEntries: 1_000,
};

/** The parts of a request a proof is checked against. */
export interface ProofRequest {
  method: string;
  url: string;
  host: string | undefined;
  encrypted: boolean;
}

/**
 * The thumbprint a token is bound to: undefined when it carries no `cnf` (unbound), null
 * when its `cnf` holds no usable `jkt`.
 */
export function boundThumbprint(claims: VerifiedClaims): string | null | undefined {
  const cnf: unknown = claims.cnf;
  if (cnf === undefined) return undefined;
  const jkt: unknown =
    typeof cnf === 'object' && cnf !== null ? Reflect.get(cnf, 'jkt') : undefined;
  return typeof jkt === 'string' && jkt !== '' ? jkt : null;
}

/** A small memo of a pure string function (the URL parser costs more than the lookup). */
function memo(
  cache: LRUCache<string, string | false>,
  input: string,
  compute: () => string | undefined,
): string | undefined {
  const known = cache.get(input);
  if (known !== undefined) return known === false ? undefined : known;
  const value = compute();
  cache.set(input, value ?? false);
  return value;
}

export class DpopVerifier {
  readonly mode: DpopMode;
  readonly algorithms: readonly string[] = DPOP_ALGORITHMS;
  private readonly headers: ProofHeaderCache;
  /** The `ath` of recently seen tokens, by token (clients reuse one token for hours). */
  private readonly tokenHashes: LRUCache<string, string>;
  /** Normalised htu values, by the string the proofs carried. */
  private readonly proofTargets: LRUCache<string, string | false>;
  /** The normalised URL of requests, by scheme, Host and request target. */
  private readonly requestTargets: LRUCache<string, string | false>;
  private readonly replays: DpopReplayCache;
  private readonly nonces: DpopNonces | undefined;
  private readonly now: () => number;

  constructor(private readonly options: DpopOptions) {
    this.mode = options.mode;
    this.now = options.clock ?? Date.now;
    this.headers = new ProofHeaderCache(
      new ProofKeyCache(options.proofKeyCacheEntries),
      options.proofKeyCacheEntries,
    );
    this.tokenHashes = new LRUCache({ max: options.proofKeyCacheEntries });
    this.proofTargets = new LRUCache({ max: options.proofKeyCacheEntries });
    this.requestTargets = new LRUCache({ max: options.proofKeyCacheEntries });
    this.replays = new DpopReplayCache(
      options.replayCacheEntries,
      (options.maxAgeSeconds + options.maxFutureSeconds) * 1000,
    );
    this.nonces =
      options.nonceSecret === undefined ? undefined : new DpopNonces(options.nonceSecret, this.now);
  }

  private targetOf(request: ProofRequest): string | undefined {
    // Keyed on the path alone: htu has no query, and query values (phone numbers) must not
    // fill the cache or sit in it.
    const path = request.url.split('?', 1)[0] ?? '';
    const raw = `${request.encrypted ? 's' : ''}|${request.host ?? ''}|${path}`;
    return memo(this.requestTargets, raw, () =>
      requestTargetUri(this.options.publicOrigin, request.encrypted, request.host, path),
    );
  }

  private hashOf(token: string): string {
    let hash = this.tokenHashes.get(token);
    if (hash === undefined) {
      hash = accessTokenHash(token);
      this.tokenHashes.set(token, hash);
    }
    return hash;
  }

  /** The nonce every answer to a DPoP request carries; undefined when nonces are off. */
  currentNonce(): string | undefined {
    return this.nonces?.current();
  }

  /** Throws invalid_token, invalid_dpop_proof or use_dpop_nonce; returns when all checks pass. */
  check(request: ProofRequest, proof: string, token: string, claims: VerifiedClaims): void {
    const jkt = boundThumbprint(claims);
    if (jkt === undefined)
      throw invalidToken('token sent with the DPoP scheme is not bound (no cnf)');
    if (jkt === null) throw invalidToken('token cnf holds no jkt');
    const targetUri = this.targetOf(request);
    if (targetUri === undefined) throw invalidDpopProof('the request URL cannot be worked out');
    const verified = verifyProof(proof, this.headers, {
      method: request.method,
      targetUri,
      accessTokenHash: this.hashOf(token),
      nowSeconds: this.now() / 1000,
      maxAgeSeconds: this.options.maxAgeSeconds,
      maxFutureSeconds: this.options.maxFutureSeconds,
      normaliseHtu: (htu) => memo(this.proofTargets, htu, () => normaliseHtu(htu)),
    });
    if (verified.thumbprint !== jkt)
      throw invalidDpopProof('proof key is not the key the token is bound to (cnf.jkt)');
    if (this.nonces && !this.nonces.accepts(verified.nonce)) {
      throw useDpopNonce(
        verified.nonce === undefined ? 'proof has no nonce' : 'proof nonce is stale or unknown',
        this.nonces.current(),
      );
    }
    if (!this.replays.firstUse(verified.thumbprint, verified.jti))
      throw invalidDpopProof('proof was used before (jti replay)');
  }
}
