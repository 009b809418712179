// Starts a node:http server on 127.0.0.1 only, logs one line per request, and closes it
// for good: open keep-alive sockets and requests held by a "hang" fault are destroyed, so
// close() always resolves and a test process can exit by itself.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { LocalStackError } from './local-stack-error';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface LoopbackServer {
  port: number;
  close(): Promise<void>;
}

export const LOOPBACK_HOST = '127.0.0.1';

export function requestLine(req: IncomingMessage): string {
  // The path only: query strings are not logged (they could carry credentials).
  const path = (req.url ?? '/').split('?')[0];
  return `${req.method ?? 'GET'} ${path}`;
}

export async function listenOnLoopback(
  port: number,
  handler: RequestHandler,
  onUnexpectedError: (req: IncomingMessage, res: ServerResponse) => void,
  log?: (line: string) => void,
): Promise<LoopbackServer> {
  const server: Server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    if (log) {
      res.on('close', () => {
        const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
        const status = res.headersSent ? String(res.statusCode) : 'aborted';
        log(`${requestLine(req)} ${status} ${ms}ms`);
      });
    }
    handler(req, res).catch(() => {
      if (!res.headersSent) onUnexpectedError(req, res);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new LocalStackError(
          'LISTEN_FAILED',
          `Cannot listen on ${LOOPBACK_HOST}:${port}: ${err.code ?? err.message}`,
        ),
      ),
    );
    server.listen(port, LOOPBACK_HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
