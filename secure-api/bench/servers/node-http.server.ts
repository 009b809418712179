// The machine's limit: a plain node:http server answering a small JSON hello to anything.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveInChild } from './child-protocol.js';

const BODY = JSON.stringify({ hello: 'world' });

serveInChild(async () => {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(BODY);
  });
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
});
