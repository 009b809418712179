// A real local HTTP server serving a JWKS, whose behaviour a test can switch at any time:
// healthy, 5xx, HTML, an empty set, a hang, or refused connections (stopped). It counts
// requests so tests can assert how often secure-api fetched.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JWK } from 'jose';

export type JwksMode = 'ok' | 'error' | 'html' | 'empty' | 'hang' | 'garbage';

export class JwksServer {
  mode: JwksMode = 'ok';
  keys: JWK[] = [];
  requests = 0;
  /** Delay before answering (any mode but hang). */
  delayMs = 0;
  private readonly server = http.createServer((request, response) =>
    this.handle(request, response),
  );
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor() {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get uri(): string {
    return `http://127.0.0.1:${this.port}/.well-known/jwks.json`;
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening: further fetches get ECONNREFUSED. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.server.listening)
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    this.requests += 1;
    if (this.delayMs > 0 && this.mode !== 'hang') {
      setTimeout(() => this.answer(request, response), this.delayMs);
      return;
    }
    this.answer(request, response);
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    switch (this.mode) {
      case 'ok':
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keys: this.keys }));
        return;
      case 'error':
        response
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":"unavailable"}');
        return;
      case 'html':
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<html><body>Maintenance</body></html>');
        return;
      case 'empty':
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
        return;
      case 'garbage':
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"keys":"not-an-array"}');
        return;
      case 'hang':
        return; // never answers; stop() destroys the socket
    }
  }
}
