// CORS for the configured origins (CORS_ORIGINS), answered by Nest's @fastify/cors hook.
// @fastify/cors treats every OPTIONS request as a preflight: one without
// Access-Control-Request-Method got a plain-text 400 without the security headers, and a
// plain OPTIONS never reached the 405 answer. So the options are chosen per request: a real
// preflight gets the full CORS treatment, any other request only the CORS response headers
// and then its route (an OPTIONS then meets authentication and the 405, like any wrong method).
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** @fastify/cors's options, as Nest's Fastify application takes them. */
type CorsOptions = NonNullable<Parameters<NestFastifyApplication['enableCors']>[0]>;

export function corsOptions(origins: readonly string[]): CorsOptions {
  const preflight: CorsOptions = {
    origin: [...origins],
    methods: ['GET', 'POST'],
    // DPoP: the proof header in, the nonce and the challenges readable by the caller.
    allowedHeaders: ['authorization', 'content-type', 'dpop'],
    exposedHeaders: ['www-authenticate', 'dpop-nonce'],
    maxAge: 600,
    // A preflight without an Origin is answered (without Access-Control-Allow-Origin) rather
    // than refused in plain text.
    strictPreflight: false,
  };
  const notPreflight: CorsOptions = { ...preflight, preflight: false };
  return {
    delegator: (request, callback) => {
      const isPreflight =
        request.method === 'OPTIONS' &&
        request.headers['access-control-request-method'] !== undefined;
      callback(null, isPreflight ? preflight : notPreflight);
    },
  };
}
