// Server process: secure-api itself, built by its own createApp, plus the bench-only stock
// route (StockJwtModule); request logging off, like every other bench server. Reports the
// verified-token cache size and the number of JWKS fetches.
import { createApp, urlOf } from '../../src/app.factory.js';
import { AppModule } from '../../src/app.module.js';
import { SigningKeyStore } from '../../src/auth/signing-key-store.js';
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache.js';
import { benchAppConfig } from './bench-app-config.js';
import { type RunningServer, serveInChild, serverConfig } from './child-protocol.js';
import { StockJwtModule } from './stock-jwt.module.js';

// createApp always builds AppModule.forRoot(config, auth) and CreateAppOptions has no hook
// for extra modules, so the bench appends its stock-route module to that module's imports.
const appModuleForRoot = AppModule.forRoot.bind(AppModule);
function withStockRoute(options: { issuer: string; audience: string; jwksUri: string }): void {
  AppModule.forRoot = (config, auth) => {
    const module = appModuleForRoot(config, auth);
    return { ...module, imports: [...(module.imports ?? []), StockJwtModule.forRoot(options)] };
  };
}

async function startOurApp(): Promise<RunningServer> {
  const server = serverConfig();
  const { issuer, audience, jwksUri } = server;
  withStockRoute({ issuer, audience, jwksUri });
  const app = await createApp(benchAppConfig(server), { warmUp: true });
  await app.listen(0, '127.0.0.1');
  const cache = app.get(VerifiedTokenCache);
  const keys = app.get(SigningKeyStore);
  return {
    url: urlOf(app),
    close: () => app.close(),
    extraStats: () => ({ verifiedTokenCacheSize: cache.size, jwksFetches: keys.fetchCount }),
  };
}

serveInChild(startOurApp);
