// Faults queued by tests and the benchmark: the next N Sync requests answer 503, or answer
// only after a delay. Used in the order they were injected.
export interface SyncFault {
  kind: 'unavailable' | 'slow';
  count: number;
  /** For slow: how long to hold the request before answering (default 1000 ms). */
  delayMs?: number;
}

export class SyncFaultPlan {
  private queue: Array<SyncFault & { remaining: number }> = [];

  add(fault: SyncFault): void {
    this.queue.push({ ...fault, remaining: fault.count });
  }

  clear(): void {
    this.queue = [];
  }

  take(): SyncFault | undefined {
    const fault = this.queue.find((f) => f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.queue = this.queue.filter((f) => f.remaining > 0);
    return fault;
  }
}

export function invalidSyncFault(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'body must be a JSON object';
  const f = value as Record<string, unknown>;
  if (f.kind !== 'unavailable' && f.kind !== 'slow') return "kind must be 'unavailable' or 'slow'";
  if (typeof f.count !== 'number' || !Number.isInteger(f.count) || f.count < 1) {
    return 'count must be a positive integer';
  }
  if (f.delayMs !== undefined && (typeof f.delayMs !== 'number' || f.delayMs < 0)) {
    return 'delayMs must be a number >= 0';
  }
  return undefined;
}
