// Auth0's middleware with DPoP required, as its documentation shows it: Express 5 +
// express-oauth2-jwt-bearer's `auth({ dpop: { enabled: true, required: true } })` on GET
// /secure, answering the same caller JSON as secure-api's /secure.
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { createServer } from 'node:http';
import { listenOnLoopback, serveInChild, serverConfig } from './child-protocol.js';

serveInChild(async () => {
  const { issuer, audience, jwksUri } = serverConfig();
  const app = express();
  app.get(
    '/secure',
    auth({
      issuer,
      audience,
      jwksUri,
      tokenSigningAlg: 'RS256',
      dpop: { enabled: true, required: true },
    }),
    (req, res) => {
      const { sub, azp, scope, aud, iss, exp } = req.auth?.payload ?? {};
      res.json({ sub, azp, scope, aud, iss, exp });
    },
  );
  return listenOnLoopback(createServer(app));
});
