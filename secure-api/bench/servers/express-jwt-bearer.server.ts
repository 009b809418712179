// Auth0's own middleware as documented: Express 5 + express-oauth2-jwt-bearer's `auth()` on
// GET /secure, answering the same caller JSON as secure-api's /secure.
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveInChild, serverConfig } from './child-protocol.js';

serveInChild(async () => {
  const { issuer, audience, jwksUri } = serverConfig();
  const app = express();
  app.get('/secure', auth({ issuer, audience, jwksUri, tokenSigningAlg: 'RS256' }), (req, res) => {
    const { sub, azp, scope, aud, iss, exp } = req.auth?.payload ?? {};
    res.json({ sub, azp, scope, aud, iss, exp });
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});
