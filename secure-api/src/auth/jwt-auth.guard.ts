// The global guard: every route needs a valid bearer token unless marked @Public().
// A token verified before (byte-for-byte the same string, still within its lifetime and the
// key-set age) is accepted from the VerifiedTokenCache; anything else goes through passport
// and the JwtStrategy. Unlike @nestjs/passport's AuthGuard, which drops passport's `info`,
// the reason of each rejection is kept and logged at debug level (never the token), and a
// key-set outage stays a 503 instead of becoming a 401.
import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SecureApiError } from '../errors/secure-api.error.js';
import { invalidToken } from './auth-errors.js';
import { bearerTokenFrom, type HeaderValue } from './bearer-token.js';
import { type AuthRequest, BEARER_TOKEN, JwtStrategy, KEY_SET_FETCHED_AT } from './jwt.strategy.js';
import { IS_PUBLIC } from './public.decorator.js';
import { RouteMetadata } from './route-metadata.js';
import { SigningKeyStore } from './signing-key-store.js';
import type { VerifiedClaims } from './verified-claims.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

const BEARER = 'Bearer ';

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

@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly logger = new Logger('JwtAuthGuard');
  private readonly isPublic: RouteMetadata<boolean>;

  constructor(
    reflector: Reflector,
    private readonly strategy: JwtStrategy,
    private readonly keys: SigningKeyStore,
    private readonly verified: VerifiedTokenCache,
  ) {
    this.isPublic = new RouteMetadata(reflector, IS_PUBLIC);
  }

  /**
   * Synchronous for public routes and cache hits (Nest then awaits nothing); a promise only
   * when the token has to be verified.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.isPublic.of(context)) return true;

    const request = context.switchToHttp().getRequest<AuthRequest>();
    const authorization = request.headers.authorization;
    // The hit path: `Bearer ` and then exactly a token verified before (which passed the strict
    // parse below when it was verified). Any other spelling or a new token takes that parse.
    if (typeof authorization === 'string' && authorization.startsWith(BEARER)) {
      const known = this.verified.get(authorization.slice(BEARER.length));
      if (known) {
        request.user = known;
        return true;
      }
    }
    return this.verify(request, authorization);
  }

  private async verify(request: AuthRequest, authorization: HeaderValue): Promise<boolean> {
    try {
      const token = bearerTokenFrom(authorization);
      const known = this.verified.get(token);
      if (known) {
        request.user = known;
        return true;
      }
      request[BEARER_TOKEN] = token;
      const claims = this.settle(await this.runPassport(request));
      const fetchedAt = request[KEY_SET_FETCHED_AT] ?? Number.NEGATIVE_INFINITY;
      request.user = this.verified.set(token, claims, fetchedAt + this.keys.cacheMaxAgeMs);
      return true;
    } catch (error) {
      if (error instanceof SecureApiError) {
        this.logger.debug({ msg: 'request rejected', code: error.code, reason: error.reason });
      }
      throw error;
    } finally {
      request[BEARER_TOKEN] = undefined; // not `delete`: keeps the request object in fast mode
    }
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
