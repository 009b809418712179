// A TCP proxy in front of a real server that loses the answer to the first POST: the request is
// forwarded whole, the server does its work, and as the first bytes of its answer come back the
// client's socket is destroyed. That is what a client sees when a response is lost after the row
// was written (a reset, a proxy timeout). Everything else is forwarded untouched. Raw TCP rather
// than an HTTP proxy library, so that the server's own answer is what gets cut.
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface DroppingProxy {
  url: string;
  /** The raw text of every request head and body the client sent, in order of arrival. */
  requests: () => string[];
  /** How many answers were cut. */
  dropped: () => number;
  close(): Promise<void>;
}

export async function startDroppingProxy(target: string): Promise<DroppingProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const received: string[] = [];
  let postsSeen = 0;
  let dropped = 0;

  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let dropNextAnswer = false;
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      received.push(text);
      if (text.startsWith('POST ')) {
        postsSeen += 1;
        if (postsSeen === 1) dropNextAnswer = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (dropNextAnswer) {
        dropNextAnswer = false;
        dropped += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', () => {
        sockets.delete(socket);
        end();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests: () => [...received],
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
