// PROTOTYPE server (bench only): secure-api built by createAppWithHelmetOnce, otherwise as
// servers/our-app.server.ts (no stock route).
import type { AppConfig } from '../../src/config/app-config.js';
import { urlOf } from '../../src/app.factory.js';
import { serveInChild, serverConfig } from '../servers/child-protocol.js';
import { createAppWithHelmetOnce } from './app-factory.helmet-once.js';

serveInChild(async () => {
  const { issuer, audience, jwksUri } = serverConfig();
  const config: AppConfig = {
    port: 0,
    host: '127.0.0.1',
    issuer,
    audience,
    jwksUri,
    databasePath: ':memory:',
    logLevel: 'warn',
    corsOrigins: [],
    enableApiDocs: false,
  };
  const app = await createAppWithHelmetOnce(config, { warmUp: true });
  await app.listen(0, '127.0.0.1');
  return { url: urlOf(app), close: () => app.close() };
});
