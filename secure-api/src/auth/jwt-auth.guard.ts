// The global guard: every route needs a valid bearer token unless marked @Public().
// A token verified before (byte-for-byte the same string, still within its lifetime and the
// key-set age) is accepted from the VerifiedTokenCache; anything else goes through passport
// and the JwtStrategy. Unlike @nestjs/passport's AuthGuard, which drops passport's `info`,
// the reason of each rejection is kept and logged at debug level (never the token), and a
// key-set outage stays a 503 instead of becoming a 401.
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SecureApiError } from '../errors/secure-api.error.js';
import { invalidToken } from './auth-errors.js';
import { AUTH_OPTIONS, type AuthOptions } from './auth-options.js';
import { bearerTokenFrom } from './bearer-token.js';
import { type AuthRequest, BEARER_TOKEN, JwtStrategy, KEY_SET_FETCHED_AT } from './jwt.strategy.js';
import { IS_PUBLIC } from './public.decorator.js';
import { SigningKeyStore } from './signing-key-store.js';
import type { VerifiedClaims } from './verified-claims.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

interface PassportOutcome {
  err: unknown;
  user: VerifiedClaims | false | undefined;
  info: unknown;
}

@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly logger = new Logger('JwtAuthGuard');
  private readonly cacheEnabled: boolean;

  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
    private readonly keys: SigningKeyStore,
    private readonly verified: VerifiedTokenCache,
    @Inject(AUTH_OPTIONS) options: AuthOptions,
  ) {
    this.cacheEnabled = options.verifiedTokenCache !== false;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;

    const request = context.switchToHttp().getRequest<AuthRequest>();
    try {
      const token = bearerTokenFrom(request.headers.authorization);
      const known = this.cacheEnabled ? this.verified.get(token) : undefined;
      if (known) {
        request.user = known;
        return true;
      }
      request[BEARER_TOKEN] = token;
      const claims = this.settle(await this.runPassport(request, context));
      if (this.cacheEnabled) {
        const fetchedAt = request[KEY_SET_FETCHED_AT] ?? Number.NEGATIVE_INFINITY;
        this.verified.set(token, claims, fetchedAt + this.keys.cacheMaxAgeMs);
      }
      request.user = claims;
      return true;
    } catch (error) {
      if (error instanceof SecureApiError) {
        this.logger.debug({ msg: 'request rejected', code: error.code, reason: error.reason });
      }
      throw error;
    } finally {
      delete request[BEARER_TOKEN];
    }
  }

  private runPassport(request: AuthRequest, context: ExecutionContext): Promise<PassportOutcome> {
    const response: unknown = context.switchToHttp().getResponse();
    return new Promise((resolve, reject) => {
      const authenticate = this.strategy
        .getPassportInstance()
        .authenticate(
          'jwt',
          { session: false },
          (err: unknown, user: VerifiedClaims | false, info: unknown) =>
            resolve({ err, user, info }),
        ) as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
      authenticate(request, response, (err?: unknown) =>
        reject(err instanceof Error ? err : new Error('passport ended without a result')),
      );
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
