// Builds a ready-to-listen secure-api from a validated AppConfig: Fastify with JSON logs
// (Authorization redacted), helmet's security headers, a body limit, optional CORS and API
// docs, the global validation pipe and exception filter. main.ts calls it; tests and
// benchmarks call it in-process with their own issuer and JWKS URI, then
// `app.listen(0, '127.0.0.1')`.
import { NestFactory } from '@nestjs/core';
import { LogController } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, type AuthTuning } from './app.module.js';
import { SigningKeyStore } from './auth/signing-key-store.js';
import type { AppConfig } from './config/app-config.js';
import { HttpExceptionFilter } from './errors/http-exception.filter.js';
import { createValidationPipe } from './errors/validation.pipe.js';
import { helmetHeaders } from './http/security-headers.js';
import { JsonLogger } from './logging/json-logger.js';
import { setupApiDocs } from './openapi/openapi.js';

/** Levels at which each answered request gets a log line. */
const REQUEST_LINE_LEVELS = new Set<AppConfig['logLevel']>(['info', 'debug', 'trace']);

/** Largest accepted request body (the biggest legitimate body is ~600 bytes). */
export const BODY_LIMIT_BYTES = 16 * 1024;

export interface CreateAppOptions {
  /** Tuning of the auth layer (timings, verified-token cache on/off, KeyObject vs PEM). */
  auth?: AuthTuning;
  /** Where JSON log lines go (default stdout). */
  logStream?: { write(line: string): unknown };
  /** Fetch the signing keys right after start-up instead of on the first request. */
  warmUp?: boolean;
}

export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    logger: {
      level: config.logLevel,
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          'request.headers.authorization',
        ],
        censor: '[redacted]',
      },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // Fastify's two lines per request are replaced by the one onResponse line below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
  });
  const fastify = adapter.getInstance();
  // One line per answered request; the path only (a query string can hold personal data).
  // Not registered at all when the level is above info: the hook would build a line per
  // request only for the logger to drop it.
  if (REQUEST_LINE_LEVELS.has(config.logLevel)) {
    fastify.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          path: request.url.split('?', 1)[0],
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request',
      );
      done();
    });
  }

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.auth),
    adapter,
    {
      logger: new JsonLogger(fastify.log),
      abortOnError: false,
    },
  );
  // helmet's headers, worked out once (see security-headers.ts), added in one call per reply.
  const securityHeaders = helmetHeaders({
    // Swagger UI needs inline scripts and styles; everything else keeps helmet's defaults.
    contentSecurityPolicy: config.enableApiDocs
      ? {
          directives: {
            'script-src': ["'self'", "'unsafe-inline'"],
            'style-src': ["'self'", "'unsafe-inline'"],
          },
        }
      : undefined,
  });
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(securityHeaders);
    done();
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST'],
      // DPoP: the proof header in, the nonce and the challenges readable by the caller.
      allowedHeaders: ['authorization', 'content-type', 'dpop'],
      exposedHeaders: ['www-authenticate', 'dpop-nonce'],
      maxAge: 600,
    });
  }
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  if (config.enableApiDocs) setupApiDocs(app);
  await app.init();
  if (options.warmUp) {
    app
      .get(SigningKeyStore)
      .refresh()
      .catch(() => undefined); // failures are logged by the store
  }
  return app;
}

/** The base URL of a listening app, with a loopback host when bound to all interfaces. */
export function urlOf(app: NestFastifyApplication): string {
  const address = app.getHttpServer().address();
  if (address === null || typeof address === 'string')
    throw new Error('the app is not listening on TCP');
  const host = ['0.0.0.0', '::', '::1'].includes(address.address) ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
