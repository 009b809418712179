// PROTOTYPE measurement (not part of `npm run bench`): section 1 of the bench (the same
// routes, rounds and medians) with secure-api built by createAppWithHelmetOnce, to show the
// throughput ratios that change would give. Run after a bench build:
//   node dist/bench/bench/prototypes/ratios-with-helmet-once.prototype.js
import { startAuth0StandIn } from 'local-stack';
import { measureRoutes } from '../sections/api-throughput.js';
import { STOCK_ROUTE } from '../servers/stock-jwt.module.js';
import { AUDIENCE, fetchStandInToken } from '../support/bench-tokens.js';
import { ServerProcess } from '../support/server-process.js';

async function main(): Promise<void> {
  const auth0 = await startAuth0StandIn();
  const token = await fetchStandInToken(auth0.tokenUrl);
  const config = { issuer: auth0.issuer, audience: AUDIENCE, jwksUri: auth0.jwksUri };
  const nodeHttp = await ServerProcess.start('node-http.server', config);
  const express = await ServerProcess.start('express-jwt-bearer.server', config);
  const api = await ServerProcess.start('../prototypes/our-app.helmet-once.server', config);
  try {
    const rows = await measureRoutes(
      [
        { id: 'node-http', label: 'node:http', url: `${nodeHttp.url}/hello`, server: nodeHttp },
        {
          id: 'express-oauth2-jwt-bearer',
          label: 'express-oauth2-jwt-bearer',
          url: `${express.url}/secure`,
          server: express,
        },
        { id: 'unguarded', label: 'helmet-once /health', url: `${api.url}/health`, server: api },
        { id: 'ours', label: 'helmet-once /secure', url: `${api.url}/secure`, server: api },
        { id: 'stock', label: 'helmet-once stock', url: `${api.url}${STOCK_ROUTE}`, server: api },
      ],
      token,
      (line) => console.log(line),
    );
    const at50 = (id: string, pick: 'requestsPerSecond' | 'requestsPerCpuSecond'): number =>
      rows.find((row) => row.id === id && row.connections === 50)?.[pick] ?? Number.NaN;
    for (const pick of ['requestsPerSecond', 'requestsPerCpuSecond'] as const) {
      const ours = at50('ours', pick);
      console.log(
        `${pick}: ours/unguarded ${(ours / at50('unguarded', pick)).toFixed(2)}, ` +
          `ours/stock ${(ours / at50('stock', pick)).toFixed(2)}, ` +
          `ours/express ${(ours / at50('express-oauth2-jwt-bearer', pick)).toFixed(2)}, ` +
          `ours/node:http ${(ours / at50('node-http', pick)).toFixed(2)}`,
      );
    }
  } finally {
    await Promise.all([nodeHttp.close(), express.close(), api.close()]);
    await auth0.close();
  }
}

void main();
