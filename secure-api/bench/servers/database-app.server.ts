// Server process: secure-api on the database the parent names (a SQLite file or a
// PostgreSQL URL), for the database-throughput section. Request logging off.
import { createApp, urlOf } from '../../src/app.factory.js';
import { benchAppConfig } from './bench-app-config.js';
import { type RunningServer, serveInChild, serverConfig } from './child-protocol.js';

async function startDatabaseApp(): Promise<RunningServer> {
  const app = await createApp(benchAppConfig(serverConfig()), { warmUp: true });
  await app.listen(0, '127.0.0.1');
  return { url: urlOf(app), close: () => app.close() };
}

serveInChild(startDatabaseApp);
