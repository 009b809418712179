// Security headers: helmet's, worked out once. helmet() is a connect middleware that sets the
// same headers on every response (our options have no per-request part such as a CSP nonce).
// Run per request it makes ~13 setHeader calls, and headers set on the raw response also push
// Node's writeHead onto its slower merging path (the gain is in the README's performance
// section). So the middleware runs once at start-up against a response that records what it
// sets, and that record is what every reply gets, in one `reply.headers()` call. Tests compare
// it with helmet running on a real response.
import helmet, { type HelmetOptions } from 'helmet';

export type HeaderRecord = Readonly<Record<string, string>>;

export function helmetHeaders(options: HelmetOptions = {}): HeaderRecord {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]): void {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    // helmet removes X-Powered-By, which Fastify never sets.
    removeHeader(name: string): void {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('helmet refused its options');
    finished = true;
  });
  // A helmet that finishes later would be one that depends on the request: refuse to start.
  if (!finished) throw new Error('helmet did not finish synchronously; headers cannot be fixed');
  return Object.freeze(headers);
}
