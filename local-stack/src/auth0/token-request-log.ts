// The last token requests as they arrived, so tests can assert what a client sent (for
// example that no client secret travels once Private Key JWT is on). In-process callers get
// the raw body and headers; the /__control route gets a summary without any value that is a
// credential (secrets, assertions, proofs), since control answers leave the process.
import { type IncomingMessage } from 'node:http';

export interface CapturedTokenRequest {
  /** The raw body, exactly as received (may hold a secret: never logged or served). */
  body: string;
  /** Lower-cased header names → values, as node:http parsed them. */
  headers: Record<string, string | string[] | undefined>;
}

export interface TokenRequestSummary {
  /** Names of the body's parameters, in order (no values). */
  parameters: string[];
  /** Whether a client secret was sent, in the body or as HTTP Basic credentials. */
  clientSecretSent: boolean;
  clientAssertionSent: boolean;
  dpopProofSent: boolean;
  contentType: string | undefined;
}

const KEPT = 100;

export class TokenRequestLog {
  private captured: CapturedTokenRequest[] = [];

  record(req: IncomingMessage, body: Buffer): void {
    this.captured.push({ body: body.toString('utf8'), headers: { ...req.headers } });
    if (this.captured.length > KEPT) this.captured.shift();
  }

  all(): CapturedTokenRequest[] {
    return this.captured.map((c) => ({ body: c.body, headers: { ...c.headers } }));
  }

  summaries(): TokenRequestSummary[] {
    return this.captured.map(summarise);
  }

  clear(): void {
    this.captured = [];
  }
}

function summarise(c: CapturedTokenRequest): TokenRequestSummary {
  const names = parameterNames(c.body);
  const authorization = c.headers.authorization;
  return {
    parameters: names,
    clientSecretSent:
      names.includes('client_secret') ||
      (typeof authorization === 'string' && /^basic /i.test(authorization)),
    clientAssertionSent: names.includes('client_assertion'),
    dpopProofSent: c.headers.dpop !== undefined,
    contentType:
      typeof c.headers['content-type'] === 'string' ? c.headers['content-type'] : undefined,
  };
}

function parameterNames(body: string): string[] {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object') return Object.keys(parsed);
  } catch {
    // Not JSON: a form body.
  }
  // A malformed form body (a pasted secret with no `=`) would come back whole as a "name":
  // only names shaped like OAuth parameters are reported.
  return [...new URLSearchParams(body).keys()].map((name) =>
    /^[a-z_]{1,64}$/.test(name) ? name : '(malformed)',
  );
}
