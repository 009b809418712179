// A small stand-in for secure-api whose answers a test scripts: 401 invalid_token, 5xx, a hang,
// a dropped connection. Faults like these are played better by a scripted server than by the
// real API. By default it answers like secure-api's GET /secure (200 with the token's claims)
// and finds no customer for any phone.
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ApiCall {
  method: string;
  path: string;
  token: string | undefined;
  body: string;
  /** The request's headers (lower-case names, as node gives them). */
  headers: IncomingHttpHeaders;
  /** When the call arrived (epoch ms). */
  at: number;
}

/** `raw`: the body as sent, in place of `body` as JSON (for bodies JSON.stringify cannot make). */
export type ScriptedReply =
  | { status: number; body?: unknown; raw?: string; headers?: Record<string, string> }
  | 'hang'
  | 'reset';

export type Script = (call: ApiCall, index: number) => ScriptedReply;

export interface ScriptedApi {
  url: string;
  calls: ApiCall[];
  close(): Promise<void>;
}

export function claimsOf(token: string | undefined): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from((token ?? '').split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

export const answerLikeSecureApi: Script = (call) => {
  if (!call.token)
    return { status: 401, body: { statusCode: 401, error: 'unauthorized', message: 'No token' } };
  if (call.path.startsWith('/customers?')) {
    return {
      status: 404,
      body: { statusCode: 404, error: 'customer_not_found', message: 'No customer' },
    };
  }
  const { sub, azp, scope, aud, iss, exp } = claimsOf(call.token);
  return { status: 200, body: { sub, azp, scope, aud, iss, exp } };
};

/** Like secure-api, and every POST records an interaction answered with this id. */
export function recordingInteractionsAs(id: string): Script {
  return (call, index) =>
    call.method === 'POST'
      ? { status: 201, body: { id, occurredAt: '2026-01-01T00:00:00.000Z' } }
      : answerLikeSecureApi(call, index);
}

export const invalidToken: ScriptedReply = {
  status: 401,
  body: { statusCode: 401, error: 'invalid_token', message: 'Token rejected' },
  headers: {
    'www-authenticate':
      'Bearer realm="secure-api", error="invalid_token", error_description="rejected"',
  },
};

export async function startScriptedApi(script: Script = answerLikeSecureApi): Promise<ScriptedApi> {
  const calls: ApiCall[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const auth = req.headers.authorization;
      const call: ApiCall = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        token: auth?.startsWith('Bearer ') ? auth.slice(7) : undefined,
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
        at: Date.now(),
      };
      calls.push(call);
      const reply = script(call, calls.length - 1);
      if (reply === 'hang') return;
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
