// Server process: secure-api on the database the parent names (a SQLite file or a
// PostgreSQL URL), for the database-throughput section. Request logging off.
import { createApp, urlOf } from '../../src/app.factory.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { type RunningServer, serveInChild, serverConfig } from './child-protocol.js';

async function startDatabaseApp(): Promise<RunningServer> {
  const { issuer, audience, jwksUri, databasePath, databaseUrl } = serverConfig();
  const config: AppConfig = {
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
  const app = await createApp(config, { warmUp: true });
  await app.listen(0, '127.0.0.1');
  return { url: urlOf(app), close: () => app.close() };
}

serveInChild(startDatabaseApp);
