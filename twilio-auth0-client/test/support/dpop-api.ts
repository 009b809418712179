// An API that only takes DPoP: Express with Auth0's own express-oauth2-jwt-bearer and
// `dpop: { enabled: true, required: true }`, against the key set of the test token endpoint.
// It plays secure-api's routes the functions call (/secure, /customers, /interactions) and can
// ask for a server nonce (RFC 9449 §9) the way a resource server does, which the SDK itself does
// not do: a 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"` with a `DPoP-Nonce` header.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { decodeJwt } from 'jose';
import type { VerifyingAuth0 } from './verifying-auth0';

export interface DpopApiCall {
  method: string;
  url: string;
  authorization: string | undefined;
  proof: string | undefined;
  status: number;
}

export interface DpopApi {
  url: string;
  calls: DpopApiCall[];
  /** The nonce the API currently asks for (when started with nonces on). */
  nonce: string;
  close(): Promise<void>;
}

export async function startDpopApi(
  auth0: VerifyingAuth0,
  audience: string,
  options: { nonce?: boolean } = {},
): Promise<DpopApi> {
  const calls: DpopApiCall[] = [];
  const nonce = `api-nonce-${randomUUID()}`;
  const app = express();
  app.use((req: Request, res: Response, next: NextFunction) => {
    const call: DpopApiCall = {
      method: req.method,
      url: req.originalUrl,
      authorization: req.headers.authorization,
      proof: typeof req.headers.dpop === 'string' ? req.headers.dpop : undefined,
      status: 0,
    };
    calls.push(call);
    res.on('finish', () => {
      call.status = res.statusCode;
    });
    next();
  });
  if (options.nonce) {
    app.use((req: Request, res: Response, next: NextFunction) => {
      let sent: unknown;
      try {
        sent = decodeJwt(String(req.headers.dpop)).nonce;
      } catch {
        sent = undefined;
      }
      if (sent === nonce) return next();
      res
        .status(401)
        .set({
          'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="Nonce required"',
          'dpop-nonce': nonce,
        })
        .json({ statusCode: 401, error: 'use_dpop_nonce', message: 'Nonce required' });
    });
  }
  app.use(
    auth({
      issuer: auth0.issuer,
      audience,
      jwksUri: auth0.jwksUri,
      tokenSigningAlg: 'RS256',
      dpop: { enabled: true, required: true },
    }),
  );
  app.use(express.json());
  app.get('/secure', (req: Request, res: Response) => {
    const { sub, scope, cnf } = req.auth?.payload ?? {};
    res.json({ sub, scope, cnf });
  });
  app.get('/customers', (_req: Request, res: Response) => {
    res.status(404).json({ statusCode: 404, error: 'customer_not_found', message: 'No customer' });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = error as { status?: number; headers?: Record<string, string>; code?: string };
    res
      .status(e.status ?? 500)
      .set(e.headers ?? {})
      .json({ statusCode: e.status ?? 500, error: e.code ?? 'error', message: 'Refused' });
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    nonce,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
