// The OpenAPI description of the API, generated from the controllers' decorators: bearer
// scheme, the scopes each route needs (on its security requirement and in its description),
// and the error bodies. Served at /docs only when ENABLE_API_DOCS=true; exported to
// secure-api/openapi.json by `npm run openapi -w secure-api`.
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEARER_SCHEME } from '../auth/require-scopes.decorator.js';

const DESCRIPTION = [
  'Accepts only Auth0 machine-to-machine access tokens (RS256) verified against the',
  "tenant's key set. Send `Authorization: Bearer <token>`. Scoped routes list the scopes",
  'they need on their bearer security requirement. Errors are `{ statusCode, error, message }`',
  'with a stable `error` code; 401/403 carry an RFC 6750 `WWW-Authenticate` header; a 503',
  '`jwks_unavailable` carries `Retry-After` (keep the token and retry).',
].join(' ');

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('secure-api')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    // 3.1 lets a non-OAuth2 security requirement list the scopes (role names) a route needs.
    .setOpenAPIVersion('3.1.0')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'Auth0 M2M access token',
      },
      BEARER_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      const scopes =
        operation?.security?.flatMap((requirement) => requirement[BEARER_SCHEME] ?? []) ?? [];
      if (operation && scopes.length > 0) {
        operation.description = `Requires scope: ${scopes.join(' ')}`;
        Object.assign(operation, { 'x-required-scopes': scopes });
      }
    }
  }
  return document;
}

export function setupApiDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/openapi.json',
  });
}
