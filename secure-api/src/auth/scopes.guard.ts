// Runs after JwtAuthGuard: checks that the verified token grants every scope the route
// declares with @RequireScopes (from `scope`, space-separated, or `permissions`). The 403's
// challenge names the scheme the request used (Bearer or DPoP) and the others of the mode.
import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { insufficientScope, missingToken } from './auth-errors.js';
import { DpopVerifier } from './dpop-verifier.js';
import { AUTH_SCHEME, type AuthRequest } from './jwt.strategy.js';
import { REQUIRED_SCOPES } from './require-scopes.decorator.js';
import { RouteMetadata } from './route-metadata.js';
import { grantedScopes } from './verified-claims.js';
import { challengeFor } from './www-authenticate.js';

@Injectable()
export class ScopesGuard implements CanActivate {
  private readonly logger = new Logger('ScopesGuard');

  private readonly requiredScopes: RouteMetadata<string[]>;

  constructor(
    reflector: Reflector,
    private readonly dpop: DpopVerifier,
  ) {
    this.requiredScopes = new RouteMetadata(reflector, REQUIRED_SCOPES);
  }

  canActivate(context: ExecutionContext): boolean {
    const required = this.requiredScopes.of(context);
    if (!required || required.length === 0) return true;
    const request = context.switchToHttp().getRequest<AuthRequest>();
    const { user } = request;
    if (!user) throw missingToken('scoped route reached without a verified token');
    const granted = grantedScopes(user);
    const missing = required.filter((scope) => !granted.has(scope));
    if (missing.length === 0) return true;
    const error = insufficientScope(required, (params) =>
      challengeFor(this.dpop.mode, this.dpop.algorithms, request[AUTH_SCHEME] ?? 'Bearer', params),
    );
    this.logger.debug({ msg: 'request rejected', code: error.code, reason: error.reason });
    throw error;
  }
}
