// The key set every bench server trusts: the Auth0 stand-in's published keys plus the bench's
// own flood key (the stand-in keeps its private keys, and the memory section needs 100,000
// distinctly signed tokens). A plain node:http JWKS endpoint that counts its fetches, so the
// hostile-kid section can show how often secure-api came back for keys.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type PublicJwk = Record<string, unknown> & { kid: string };

export class KeySetServer {
  private fetches = 0;
  private readonly server: http.Server;
  private port = 0;

  constructor(private readonly keys: PublicJwk[]) {
    const body = JSON.stringify({ keys: this.keys });
    this.server = http.createServer((request, response) => {
      if (request.url !== '/.well-known/jwks.json') {
        response.writeHead(404).end();
        return;
      }
      this.fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  }

  get jwksUri(): string {
    return `http://127.0.0.1:${this.port}/.well-known/jwks.json`;
  }

  /** JWKS requests answered so far. */
  get fetchCount(): number {
    return this.fetches;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
