// The child side of a bench server process: start the server, tell the parent its URL over
// IPC, answer memory/stats queries, and close when the parent asks (or goes away). Each server
// runs in its own process so the load generator in the parent never shares its event loop.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServerStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** Server-specific figures (e.g. the verified-token cache size). */
  extra: Record<string, number>;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
  extraStats?(): Record<string, number>;
}

/** Listens on an ephemeral loopback port; `close` drops kept-alive load connections too. */
export async function listenOnLoopback(server: Server): Promise<RunningServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type ParentMessage = { type: 'stats' } | { type: 'cpu' } | { type: 'close' };
export type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'stats'; stats: ServerStats }
  /** CPU time used by the process so far (user + system), in microseconds. */
  | { type: 'cpu'; micros: number }
  | { type: 'failed'; message: string };

/** The JSON the parent hands every server child in BENCH_SERVER_CONFIG. */
export interface ServerConfig {
  issuer: string;
  audience: string;
  jwksUri: string;
  /** Database of the database-throughput section's server (default :memory:). */
  databasePath?: string;
  databaseUrl?: string;
}

export function serverConfig(): ServerConfig {
  const raw = process.env.BENCH_SERVER_CONFIG;
  if (!raw) throw new Error('BENCH_SERVER_CONFIG is not set (started outside the bench?)');
  return JSON.parse(raw) as ServerConfig;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function serveInChild(start: () => Promise<RunningServer>): void {
  start().then(
    (server) => {
      let closing = false;
      const close = (): void => {
        if (closing) return;
        closing = true;
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('message', (message: ParentMessage) => {
        if (message.type === 'close') close();
        else if (message.type === 'cpu') {
          const { user, system } = process.cpuUsage();
          send({ type: 'cpu', micros: user + system });
        } else if (message.type === 'stats') {
          collectGarbage();
          const memory = process.memoryUsage();
          send({
            type: 'stats',
            stats: {
              rssBytes: memory.rss,
              heapUsedBytes: memory.heapUsed,
              extra: server.extraStats?.() ?? {},
            },
          });
        }
      });
      process.on('disconnect', close);
      send({ type: 'ready', url: server.url });
    },
    (error: unknown) => {
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
}
