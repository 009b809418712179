// The configuration of the bench's secure-api server processes: on loopback, request logging
// off (warn), no CORS, no API docs, the parent's key set, and the parent's database when it
// names one (else in-memory SQLite).
import type { AppConfig } from '../../src/config/app-config.js';
import type { ServerConfig } from './child-protocol.js';

export function benchAppConfig(server: ServerConfig): AppConfig {
  const { issuer, audience, jwksUri, databasePath, databaseUrl } = server;
  return {
    port: 0,
    host: '127.0.0.1',
    issuer,
    audience,
    jwksUri,
    databasePath: databasePath ?? ':memory:',
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    logLevel: 'warn',
    corsOrigins: [],
    enableApiDocs: false,
  };
}
