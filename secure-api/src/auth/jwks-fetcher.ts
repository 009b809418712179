// Fetches a JWKS document for jwks-rsa's `fetcher` hook. Hand-written because jwks-rsa's
// built-in request has only an idle-socket timeout (a server that drips bytes never times
// out) and no size limit; this one has a total deadline and a byte cap, follows no
// redirects, and opens a fresh connection per fetch (fetches are rare; no pooled sockets
// linger after shutdown).
import http from 'node:http';
import https from 'node:https';

export interface JwksFetchOptions {
  timeoutMs: number;
  maxBytes: number;
}

/** jwks-rsa marks errors with `errorMsg` as endpoint failures; we keep that shape. */
export class JwksFetchFailure extends Error {
  readonly errorMsg: string;
  constructor(message: string) {
    super(message);
    this.errorMsg = message;
  }
}

export function createJwksFetcher(
  options: JwksFetchOptions,
): (uri: string) => Promise<{ keys: unknown }> {
  return (uri) =>
    new Promise((resolve, reject) => {
      const url = new URL(uri);
      const lib = url.protocol === 'https:' ? https : http;
      let settled = false;
      const finish = (error: Error | null, value?: { keys: unknown }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          request.destroy();
          reject(error);
        } else resolve(value as { keys: unknown });
      };
      const request = lib.get(
        url,
        { agent: false, headers: { accept: 'application/json' } },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            response.resume();
            finish(new JwksFetchFailure(`JWKS endpoint answered HTTP ${status}`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > options.maxBytes) {
              finish(new JwksFetchFailure('JWKS response is too large'));
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', () => finish(new JwksFetchFailure('JWKS response was cut off')));
          response.on('end', () => {
            let body: unknown;
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              finish(new JwksFetchFailure('JWKS response is not JSON'));
              return;
            }
            const keys = (body as { keys?: unknown } | null)?.keys;
            if (!Array.isArray(keys)) {
              finish(new JwksFetchFailure('JWKS response has no keys array'));
              return;
            }
            finish(null, { keys });
          });
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        finish(new JwksFetchFailure(`JWKS request failed: ${error.code ?? error.message}`)),
      );
      const timer = setTimeout(
        () => finish(new JwksFetchFailure(`JWKS request timed out after ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
    });
}
