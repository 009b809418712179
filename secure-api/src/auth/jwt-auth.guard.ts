// The global guard: every route needs a valid access token unless marked @Public(), sent as
// `Bearer` (unbound tokens) or as `DPoP` with a proof (bound tokens), as AUTH0_DPOP_MODE
// allows. A token verified before (byte-for-byte the same string, still within its lifetime
// and the key-set age) is accepted from the VerifiedTokenCache; anything else goes through
// passport and the JwtStrategy. A DPoP proof is checked on every request (dpop-verifier.ts),
// synchronously: a Bearer or DPoP request whose token is cached never waits on a promise.
// Unlike @nestjs/passport's AuthGuard, which drops passport's `info`, the reason of each
// rejection is kept and logged at debug level (never the token), a key-set outage stays a
// 503 instead of becoming a 401, and every 401/400 carries the challenges of the mode.
import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SecureApiError } from '../errors/secure-api.error.js';
import { invalidToken } from './auth-errors.js';
import {
  type AuthScheme,
  type Credentials,
  credentialsFrom,
  headerCount,
} from './authorization-header.js';
import { DpopVerifier } from './dpop-verifier.js';
import {
  AUTH_SCHEME,
  type AuthRequest,
  BEARER_TOKEN,
  JwtStrategy,
  KEY_SET_FETCHED_AT,
} from './jwt.strategy.js';
import { IS_PUBLIC } from './public.decorator.js';
import { RouteMetadata } from './route-metadata.js';
import { SigningKeyStore } from './signing-key-store.js';
import type { VerifiedClaims } from './verified-claims.js';
import { VerifiedTokenCache } from './verified-token-cache.js';
import { challengeFor } from './www-authenticate.js';

const BEARER = 'Bearer ';

/** Error codes whose challenge names the error (RFC 6750 §3, RFC 9449 §7.1). */
const CHALLENGE_ERRORS = new Set([
  'invalid_request',
  'invalid_token',
  'invalid_dpop_proof',
  'use_dpop_nonce',
]);

interface StrategyAttempt {
  authenticate(request: AuthRequest, options: { session: false }): void;
  success(user: VerifiedClaims): void;
  fail(info: unknown): void;
  error(err: unknown): void;
}

interface PassportOutcome {
  err: unknown;
  user: VerifiedClaims | false | undefined;
  info: unknown;
}

interface NonceReply {
  header(name: string, value: string): unknown;
}

@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly logger = new Logger('JwtAuthGuard');
  private readonly isPublic: RouteMetadata<boolean>;
  private readonly bearerAccepted: boolean;

  constructor(
    reflector: Reflector,
    private readonly strategy: JwtStrategy,
    private readonly keys: SigningKeyStore,
    private readonly verified: VerifiedTokenCache,
    private readonly dpop: DpopVerifier,
  ) {
    this.isPublic = new RouteMetadata(reflector, IS_PUBLIC);
    this.bearerAccepted = dpop.mode !== 'required';
  }

  /**
   * Synchronous for public routes and cache hits (Nest then awaits nothing); a promise only
   * when the token has to be verified.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.isPublic.of(context)) return true;

    const http = context.switchToHttp();
    const request = http.getRequest<AuthRequest>();
    const authorization = request.headers.authorization;
    // The hit path: `Bearer ` and then exactly an unbound token verified before (which passed
    // the strict parse below when it was verified). Any other spelling, a new token, a bound
    // token or a second Authorization header takes the full path.
    if (
      this.bearerAccepted &&
      typeof authorization === 'string' &&
      authorization.startsWith(BEARER) &&
      headerCount(request.raw?.rawHeaders, 'authorization') < 2
    ) {
      const known = this.verified.get(authorization.slice(BEARER.length));
      if (known && known.cnf === undefined) {
        request.user = known;
        return true;
      }
    }
    return this.authenticate(request, http.getResponse<NonceReply>());
  }

  private authenticate(request: AuthRequest, reply: NonceReply): boolean | Promise<boolean> {
    let scheme: AuthScheme = 'Bearer';
    try {
      const credentials = credentialsFrom(
        {
          authorization: request.headers.authorization,
          dpop: request.headers.dpop,
          rawHeaders: request.raw?.rawHeaders,
        },
        this.dpop.mode !== 'disabled',
      );
      scheme = credentials.scheme;
      if (scheme === 'Bearer' && !this.bearerAccepted)
        throw invalidToken(
          'Bearer scheme refused: DPoP is required',
          'This API accepts only DPoP-bound tokens (Authorization: DPoP)',
        );
      if (scheme === 'DPoP') {
        const nonce = this.dpop.currentNonce();
        if (nonce !== undefined) reply.header('dpop-nonce', nonce);
      }
      const known = this.verified.get(credentials.token);
      if (known) {
        this.admit(request, credentials, known);
        return true;
      }
      return this.verifyToken(request, credentials.token)
        .then((claims) => {
          this.admit(request, credentials, claims);
          return true;
        })
        .catch((error: unknown) => {
          throw this.refusal(error, scheme);
        });
    } catch (error) {
      throw this.refusal(error, scheme);
    }
  }

  /** The scheme's own checks on a verified token; sets request.user when they pass. */
  private admit(
    request: AuthRequest,
    credentials: Credentials,
    claims: Readonly<VerifiedClaims>,
  ): void {
    if (credentials.scheme === 'Bearer') {
      // RFC 9449 §7.2: a bound token sent as Bearer would let whoever copied it use it.
      if (claims.cnf !== undefined)
        throw invalidToken(
          'DPoP-bound token sent with the Bearer scheme',
          'A DPoP-bound token must be sent with the DPoP scheme',
        );
    } else {
      this.dpop.check(
        {
          method: request.method ?? 'GET',
          url: request.url ?? '/',
          host: request.headers.host as string | undefined,
          encrypted: request.raw?.socket?.encrypted === true,
        },
        credentials.proof ?? '',
        credentials.token,
        claims,
      );
      request[AUTH_SCHEME] = 'DPoP';
    }
    request.user = claims;
  }

  private async verifyToken(
    request: AuthRequest,
    token: string,
  ): Promise<Readonly<VerifiedClaims>> {
    try {
      request[BEARER_TOKEN] = token;
      const claims = this.settle(await this.runPassport(request));
      const fetchedAt = request[KEY_SET_FETCHED_AT] ?? Number.NEGATIVE_INFINITY;
      return this.verified.set(token, claims, this.keys.verdictExpiresAt(fetchedAt));
    } finally {
      request[BEARER_TOKEN] = undefined; // not `delete`: keeps the request object in fast mode
    }
  }

  /** Logs the reason at debug level and gives a 401/400 the challenges of the mode. */
  private refusal(error: unknown, scheme: AuthScheme): unknown {
    if (!(error instanceof SecureApiError)) return error;
    // A refusal of the proof itself (e.g. no DPoP header) is always a DPoP answer.
    if (error.code === 'invalid_dpop_proof' || error.code === 'use_dpop_nonce') scheme = 'DPoP';
    this.logger.debug({ msg: 'request rejected', scheme, code: error.code, reason: error.reason });
    if (error.headers['www-authenticate'] === undefined) return error;
    const params: Record<string, string> = CHALLENGE_ERRORS.has(error.code)
      ? { error: error.code, error_description: error.message }
      : {};
    return new SecureApiError(error.code, error.message, {
      status: error.status,
      reason: error.reason,
      headers: {
        ...error.headers,
        'www-authenticate': challengeFor(this.dpop.mode, this.dpop.algorithms, scheme, params),
      },
    });
  }

  /**
   * One passport-jwt attempt, as passport's authenticate middleware makes it: a per-request
   * object inheriting from the strategy, given the success/fail/error actions of the
   * passport-strategy contract. Called directly rather than through passport.authenticate,
   * which would build a new middleware closure and strategy list for every request.
   */
  private runPassport(request: AuthRequest): Promise<PassportOutcome> {
    return new Promise((resolve) => {
      const attempt = Object.create(this.strategy) as StrategyAttempt;
      attempt.success = (user) => resolve({ err: null, user, info: undefined });
      attempt.fail = (info) => resolve({ err: null, user: false, info });
      attempt.error = (err) => resolve({ err, user: undefined, info: undefined });
      attempt.authenticate(request, { session: false });
    });
  }

  /** Maps passport's (err, user, info) to claims or one SecureApiError. */
  private settle({ err, user, info }: PassportOutcome): VerifiedClaims {
    if (err) {
      if (err instanceof SecureApiError) throw err;
      throw invalidToken(err instanceof Error ? err.message : 'verification failed');
    }
    if (user) return user;
    if (info instanceof SecureApiError) throw info;
    throw invalidToken(info instanceof Error ? `${info.name}: ${info.message}` : 'token rejected');
  }
}
