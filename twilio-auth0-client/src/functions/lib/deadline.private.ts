// The time budget of one invocation. Twilio kills an invocation at 10 s; one Deadline is set at
// entry and every upstream call (Sync, Auth0, the API) takes its timeout from what remains, so
// the function always answers in time, with DEADLINE_EXCEEDED if it must.
import type * as ErrorsModule from './errors.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { FunctionError } = shared<typeof ErrorsModule>('lib/errors');

/** Time kept back at the end of the budget to build and send the answer. */
const ANSWER_RESERVE_MS = 150;

export class Deadline {
  readonly startedAt: number;
  readonly endsAt: number;

  constructor(
    readonly budgetMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.endsAt = this.startedAt + budgetMs;
  }

  elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  /** Milliseconds left for upstream work (the answer reserve already taken off). */
  remainingMs(): number {
    return Math.max(0, this.endsAt - ANSWER_RESERVE_MS - this.now());
  }

  expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /**
   * A timeout for one upstream call: at most `capMs`, and never more than what remains after
   * keeping `reserveMs` for the steps that must still follow. Throws DEADLINE_EXCEEDED when less
   * than `minMs` is left, since such a call could not succeed anyway.
   */
  timeoutFor(what: string, capMs: number, reserveMs = 0, minMs = 50): number {
    const timeoutMs = this.timeoutIfAny(capMs, reserveMs, minMs);
    if (timeoutMs === null) {
      throw new FunctionError('DEADLINE_EXCEEDED', `No time left for ${what}`);
    }
    return timeoutMs;
  }

  /** As `timeoutFor`, but null instead of an error: for optional calls (a Sync read or write). */
  timeoutIfAny(capMs: number, reserveMs = 0, minMs = 50): number | null {
    const available = Math.min(capMs, this.remainingMs() - reserveMs);
    return available < minMs ? null : Math.floor(available);
  }

  /**
   * A reserve of `capMs`, scaled down for short budgets to `fraction` of the whole budget, so
   * that a small FUNCTION_DEADLINE_MS still leaves every step some time.
   */
  reserve(capMs: number, fraction: number): number {
    return Math.min(capMs, Math.floor(this.budgetMs * fraction));
  }

  /** Whether waiting `ms` would still leave `reserveMs` for the work that follows. */
  fits(ms: number, reserveMs = 0): boolean {
    return ms + reserveMs <= this.remainingMs();
  }

  /** Resolves after `ms`, or earlier when the budget runs out. */
  sleep(ms: number): Promise<void> {
    const capped = Math.max(0, Math.min(ms, this.remainingMs()));
    return new Promise((resolve) => setTimeout(resolve, capped));
  }
}
