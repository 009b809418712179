// Declares the scopes a route needs; ScopesGuard enforces them, and the OpenAPI document
// shows them on the route's bearer security requirement.
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorBody } from '../errors/error-body.dto.js';
import { IS_PUBLIC } from './public.decorator.js';

export const REQUIRED_SCOPES = 'secure-api:required-scopes';
export const BEARER_SCHEME = 'bearer';

/**
 * Any valid token (no particular scope). It protects as well as documents: on a route of a
 * @Public() controller it overrides the controller's opt-out, as a route-level decision should.
 */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(IS_PUBLIC, false),
    ApiSecurity(BEARER_SCHEME, []),
    ApiUnauthorizedResponse({
      description: 'Missing, malformed or rejected token',
      type: ErrorBody,
    }),
  );

export const RequireScopes = (...scopes: string[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    ApiSecurity(BEARER_SCHEME, scopes),
    ApiUnauthorizedResponse({
      description: 'Missing, malformed or rejected token',
      type: ErrorBody,
    }),
    ApiForbiddenResponse({
      description: `Token lacks the scope: ${scopes.join(' ')}`,
      type: ErrorBody,
    }),
  );
