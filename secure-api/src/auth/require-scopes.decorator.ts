// Declares the scopes a route needs; ScopesGuard enforces them, and the OpenAPI document
// shows them on the route's bearer security requirement.
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorBody } from '../errors/error-body.dto.js';

export const REQUIRED_SCOPES = 'secure-api:required-scopes';
export const BEARER_SCHEME = 'bearer';

/** Any valid token (no particular scope). */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
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
