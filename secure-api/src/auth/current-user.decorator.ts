// Injects the verified claims of the request's token into a route handler.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { missingToken } from './auth-errors.js';
import type { AuthRequest } from './jwt.strategy.js';
import type { VerifiedClaims } from './verified-claims.js';

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Readonly<VerifiedClaims> => {
    const { user } = context.switchToHttp().getRequest<AuthRequest>();
    if (!user) throw missingToken('handler reached without a verified token');
    return user;
  },
);
