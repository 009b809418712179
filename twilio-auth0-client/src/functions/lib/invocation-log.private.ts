// The one log line of an invocation: outcome, token source, timings and notable events, written
// as JSON when the invocation answers. Everything passes through `redact` first, which removes the
// values registered as secret (client secret, auth token, every token seen) and anything shaped
// like a JWT or an Authorization header, so a mistake elsewhere cannot leak them into the logs.
// Answers are scrubbed in two places: what came from upstream (the API's body and messages) gets
// the full `redact` before it is rendered (`scrubUpstream`; after HTML escaping a token would no
// longer match), and the whole answer loses the registered secrets at the edge
// (`removeSecrets`), without the patterns, which would alter legitimate text ("Basic …").
// Errors are recorded by code, never as raw objects: an axios error carries the request body
// (the client secret) and headers (the bearer token); an unexpected error only by its name and
// redacted message.

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
// A DPoP credential is only taken as one when it is token-sized: "DPoP proof" in a message is
// prose, while an echoed `DPoP <token>` header is at least a few dozen characters.
const AUTH_HEADER_PATTERN =
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+|\b(DPoP)\s+[A-Za-z0-9._~+/=-]{20,}/gi;
/** Secrets shorter than this are not searched for: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;

/**
 * How deep `redactDeep` walks; anything deeper is replaced. An upstream body nested thousands of
 * levels deep would otherwise overflow the stack here or in JSON.stringify.
 */
const MAX_DEPTH = 32;
const TOO_DEEP = '[too deep]';

export function removeSecrets(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) result = result.split(secret).join('[redacted]');
  }
  return result;
}

export function redact(text: string, secrets: Iterable<string>): string {
  return removeSecrets(text, secrets)
    .replace(JWT_PATTERN, '[redacted-jwt]')
    .replace(
      AUTH_HEADER_PATTERN,
      (_match, scheme?: string, dpop?: string) => `${scheme ?? dpop} [redacted]`,
    );
}

/**
 * `value` with `clean` applied to every string inside it (arrays and plain objects walked, at
 * most MAX_DEPTH levels), so that a secret is found as written, not in a JSON-escaped form that
 * would hide it.
 */
export function redactDeep(
  value: unknown,
  secrets: Iterable<string>,
  clean: (text: string, secrets: Iterable<string>) => string = redact,
  depth = 0,
): unknown {
  if (typeof value === 'string') return clean(value, secrets);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) {
    return value.map((item: unknown) => redactDeep(item, secrets, clean, depth + 1));
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, redactDeep(item, secrets, clean, depth + 1)]),
  );
}

export type LogValue = string | number | boolean | null | undefined;

export class InvocationLog {
  private readonly secrets = new Set<string>();
  private readonly fields: Record<string, LogValue> = {};
  private readonly timings: Record<string, number> = {};
  private readonly events: string[] = [];
  private written = false;

  constructor(
    private readonly functionName: string,
    private readonly write: (line: string) => void = (line) => console.log(line),
  ) {}

  /** Registers a value that must never appear in the line (a secret or a token). */
  addSecret(value: string | undefined): void {
    if (value) this.secrets.add(value);
  }

  /**
   * Upstream content (the API's body or message) with every registered secret and anything
   * token-shaped removed, before it is rendered: the API may echo the Authorization header back.
   */
  scrubUpstream<T>(value: T): T {
    return redactDeep(value, this.secrets) as T;
  }

  /** An answer with every registered secret removed (the last net, at the edge). */
  removeSecrets<T>(body: T): T {
    return redactDeep(body, this.secrets, removeSecrets) as T;
  }

  /** An error that is not a FunctionError: its name and redacted message (never the object). */
  unexpectedError(error: unknown): void {
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : String(error);
    this.set('errorName', name.slice(0, 100));
    this.set('errorMessage', redact(message, this.secrets).slice(0, 300));
  }

  set(name: string, value: LogValue): void {
    this.fields[name] = value;
  }

  timing(name: string, ms: number): void {
    this.timings[name] = Math.round(ms);
  }

  /** A short, code-like note of something that happened (`sync_unavailable`, `token_retry`). */
  event(name: string): void {
    if (this.events.length < 20) this.events.push(name);
  }

  timingsSnapshot(): Record<string, number> {
    return { ...this.timings };
  }

  finish(outcome: { status: number; code?: string; totalMs: number }): void {
    if (this.written) return;
    this.written = true;
    const record = {
      fn: this.functionName,
      outcome: outcome.code ? 'error' : 'ok',
      status: outcome.status,
      code: outcome.code,
      ...this.fields,
      events: this.events.length > 0 ? this.events : undefined,
      timings: { ...this.timings, totalMs: Math.round(outcome.totalMs) },
    };
    this.write(JSON.stringify(redactDeep(record, this.secrets)));
  }
}
