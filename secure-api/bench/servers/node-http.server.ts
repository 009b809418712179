// The machine's limit: a plain node:http server answering a small JSON hello to anything.
import http from 'node:http';
import { listenOnLoopback, serveInChild } from './child-protocol.js';

const BODY = JSON.stringify({ hello: 'world' });

serveInChild(async () => {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(BODY);
  });
  return listenOnLoopback(server);
});
