// Runs after JwtAuthGuard: checks that the verified token grants every scope the route
// declares with @RequireScopes (from `scope`, space-separated, or `permissions`).
import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { insufficientScope, missingToken } from './auth-errors.js';
import type { AuthRequest } from './jwt.strategy.js';
import { REQUIRED_SCOPES } from './require-scopes.decorator.js';
import { RouteMetadata } from './route-metadata.js';
import { grantedScopes } from './verified-claims.js';

@Injectable()
export class ScopesGuard implements CanActivate {
  private readonly logger = new Logger('ScopesGuard');

  private readonly requiredScopes: RouteMetadata<string[]>;

  constructor(reflector: Reflector) {
    this.requiredScopes = new RouteMetadata(reflector, REQUIRED_SCOPES);
  }

  canActivate(context: ExecutionContext): boolean {
    const required = this.requiredScopes.of(context);
    if (!required || required.length === 0) return true;
    const { user } = context.switchToHttp().getRequest<AuthRequest>();
    if (!user) throw missingToken('scoped route reached without a verified token');
    const granted = grantedScopes(user);
    const missing = required.filter((scope) => !granted.has(scope));
    if (missing.length === 0) return true;
    const error = insufficientScope(required);
    this.logger.debug({ msg: 'request rejected', code: error.code, reason: error.reason });
    throw error;
  }
}
