// The OpenAPI description of the API, generated from the controllers' decorators: the Bearer
// and DPoP schemes (each protected route accepts either, as AUTH0_DPOP_MODE allows), the
// `DPoP-Nonce` header of their answers, the scopes each route needs (on its security
// requirement and in its description), and the error bodies. Served at /docs only when ENABLE_API_DOCS=true; exported to
// secure-api/openapi.json by `npm run openapi -w secure-api`.
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { DPOP_ALGORITHMS } from '../auth/dpop-proof-key.js';
import { BEARER_SCHEME } from '../auth/require-scopes.decorator.js';

/** Name of the DPoP security scheme (RFC 9449 `Authorization: DPoP <token>` plus a proof). */
export const DPOP_SCHEME = 'dpop';

/** RFC 9449 §9: the server nonce, on every answer to a DPoP request when nonces are on. */
const DPOP_NONCE_HEADER = {
  description:
    'The current DPoP server nonce (RFC 9449 §9), on answers to DPoP requests when ' +
    'DPOP_NONCE_SECRET is set: put it in the next proof.',
  schema: { type: 'string' },
} as const;

const DESCRIPTION = [
  'Accepts only Auth0 machine-to-machine access tokens (RS256) verified against the',
  "tenant's key set. Send `Authorization: Bearer <token>`. Scoped routes list the scopes",
  'they need on their bearer security requirement. Errors are `{ statusCode, error, message }`',
  'with a stable `error` code; 401/403 carry an RFC 6750 `WWW-Authenticate` header; a 503',
  '`jwks_unavailable` carries `Retry-After` (keep the token and retry).',
  'DPoP-bound tokens (RFC 9449, a `cnf.jkt` claim) are sent as `Authorization: DPoP <token>`',
  'with a fresh `DPoP` proof header per request, and are refused as Bearer. Which schemes are',
  'accepted depends on the deployment (AUTH0_DPOP_MODE: allowed, required or disabled).',
  'Proof failures are 401 `invalid_dpop_proof` with a `WWW-Authenticate: DPoP algs="…"`',
  'challenge; with server nonces on, 401 `use_dpop_nonce` carries a `DPoP-Nonce` header to',
  'put in a new proof, and answers to DPoP requests carry the current nonce.',
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
    .addSecurity(DPOP_SCHEME, {
      type: 'http',
      scheme: 'dpop',
      bearerFormat: 'JWT',
      description:
        'Auth0 M2M access token bound to a key (cnf.jkt), sent as `Authorization: DPoP <token>` ' +
        'with a `DPoP` header holding a fresh proof JWT signed by that key ' +
        `(alg one of ${DPOP_ALGORITHMS.join(', ')}; htm, htu, iat, jti, ath; nonce when asked).`,
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      const scopes =
        operation?.security?.flatMap((requirement) => requirement[BEARER_SCHEME] ?? []) ?? [];
      // Every route that takes a Bearer token takes a DPoP-bound one with the same scopes.
      if (operation?.security?.some((requirement) => BEARER_SCHEME in requirement)) {
        operation.security = [...operation.security, { [DPOP_SCHEME]: scopes }];
        for (const response of Object.values(operation.responses)) {
          if (response === undefined || '$ref' in response) continue;
          response.headers = { ...response.headers, 'DPoP-Nonce': DPOP_NONCE_HEADER };
        }
      }
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
