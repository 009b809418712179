// Faults queued by tests and the benchmark: the next N token or key-set requests answer 429
// (with Auth0's x-ratelimit-* headers), 500, or never answer. Faults of one target are used
// in the order they were injected.
export type Auth0FaultTarget = 'token' | 'jwks';
export type Auth0FaultKind = 'rate-limit' | 'error' | 'hang';

export interface Auth0Fault {
  target: Auth0FaultTarget;
  kind: Auth0FaultKind;
  count: number;
  /** For rate-limit: seconds until x-ratelimit-reset (default 1). */
  resetAfterSeconds?: number;
}

const TARGETS: readonly string[] = ['token', 'jwks'];
const KINDS: readonly string[] = ['rate-limit', 'error', 'hang'];

export class FaultPlan {
  private queue: Array<Auth0Fault & { remaining: number }> = [];

  add(fault: Auth0Fault): void {
    this.queue.push({ ...fault, remaining: fault.count });
  }

  clear(): void {
    this.queue = [];
  }

  /** The fault the next request to `target` suffers, if any (consumes one). */
  take(target: Auth0FaultTarget): Auth0Fault | undefined {
    const fault = this.queue.find((f) => f.target === target && f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.queue = this.queue.filter((f) => f.remaining > 0);
    return fault;
  }
}

/** Checks a fault arriving as JSON on the control route; returns a message when it is bad. */
export function invalidFault(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'body must be a JSON object';
  const f = value as Record<string, unknown>;
  if (typeof f.target !== 'string' || !TARGETS.includes(f.target)) {
    return "target must be 'token' or 'jwks'";
  }
  if (typeof f.kind !== 'string' || !KINDS.includes(f.kind)) {
    return "kind must be 'rate-limit', 'error' or 'hang'";
  }
  if (typeof f.count !== 'number' || !Number.isInteger(f.count) || f.count < 1) {
    return 'count must be a positive integer';
  }
  if (
    f.resetAfterSeconds !== undefined &&
    (typeof f.resetAfterSeconds !== 'number' || f.resetAfterSeconds < 0)
  ) {
    return 'resetAfterSeconds must be a number >= 0';
  }
  return undefined;
}
