// The verified claims of the request's token: @CurrentUser() injects them into a handler;
// verifiedCaller(request) reads them where a handler takes the request itself.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { missingToken } from './auth-errors.js';
import type { AuthRequest } from './jwt.strategy.js';
import type { VerifiedClaims } from './verified-claims.js';

export function verifiedCaller(request: AuthRequest): Readonly<VerifiedClaims> {
  if (!request.user) throw missingToken('handler reached without a verified token');
  return request.user;
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Readonly<VerifiedClaims> =>
    verifiedCaller(context.switchToHttp().getRequest<AuthRequest>()),
);
