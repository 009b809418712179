// Plays the fault schedule against the running system: the stand-ins' /__control routes (their
// faults are queued by count, so a window queues "many" and its end replaces the stand-in's
// queue, in one request, with what other windows still hold), the launcher's stop/start of
// secure-api, the PostgreSQL cluster's restart, and the load's burst factor. Records when each
// window really began and ended (a restart ends when the new process is ready, not when
// planned).
import { type RunningSystem } from '../launcher/system';
import {
  BURST_FACTOR,
  DEFAULT_TOKEN_LIFETIME_S,
  type FaultKind,
  type FaultWindow,
  RATE_LIMIT_RESET_S,
  SYNC_SLOW_DELAY_MS,
} from './fault-schedule';
import { type PostgresCluster } from '../postgres/postgres-cluster';

/** "Until the window ends": far more requests than any window sees. */
const MANY = 1_000_000;

export interface PlayedWindow extends FaultWindow {
  /** When it really started and ended, in seconds from the start of the load. */
  actualStartS: number;
  actualEndS: number;
  /** What went wrong applying it (a control route refused, a restart failed). */
  problem?: string;
}

export interface FaultDriverOptions {
  system: RunningSystem;
  windows: readonly FaultWindow[];
  tokenLifetimeS: number;
  postgres: PostgresCluster | null;
  log: (line: string) => void;
  /** Called when a restarted part is ready again. */
  onRestarted?: (part: 'api') => void;
}

type Service = 'auth0' | 'sync';

const SERVICE_OF: Partial<Record<FaultKind, Service>> = {
  'sync-unavailable': 'sync',
  'sync-slow': 'sync',
  'auth0-rate-limit': 'auth0',
  'auth0-error': 'auth0',
  'auth0-hang': 'auth0',
  'jwks-unreachable': 'auth0',
};

function queuedFault(kind: FaultKind): object {
  switch (kind) {
    case 'sync-unavailable':
      return { kind: 'unavailable', count: MANY };
    case 'sync-slow':
      return { kind: 'slow', count: MANY, delayMs: SYNC_SLOW_DELAY_MS };
    case 'auth0-rate-limit':
      return {
        target: 'token',
        kind: 'rate-limit',
        count: MANY,
        resetAfterSeconds: RATE_LIMIT_RESET_S,
      };
    case 'auth0-error':
      return { target: 'token', kind: 'error', count: MANY };
    case 'auth0-hang':
      return { target: 'token', kind: 'hang', count: MANY };
    case 'jwks-unreachable':
      return { target: 'jwks', kind: 'error', count: MANY };
    default:
      return {};
  }
}

export class FaultDriver {
  private readonly active = new Set<FaultWindow>();
  private readonly played: PlayedWindow[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private startedAt = 0;

  constructor(private readonly o: FaultDriverOptions) {}

  /** The load's rate multiplier at second `atS` (the burst window's factor). */
  rateFactor = (atS: number): number =>
    this.o.windows.some((w) => w.kind === 'burst' && atS >= w.startS && atS < w.endS)
      ? BURST_FACTOR
      : 1;

  /**
   * Starts the clock: the windows that begin at 0 are applied before this resolves (so the
   * first token already has the short lifetime), the others begin and end at their times.
   */
  async start(): Promise<number> {
    this.startedAt = Date.now();
    for (const w of this.o.windows) {
      const played: PlayedWindow = { ...w, actualStartS: NaN, actualEndS: NaN };
      this.played.push(played);
      if (w.startS <= 0) await this.begin(played);
      else this.at(w.startS, () => this.begin(played));
      if (w.kind !== 'api-restart' && w.kind !== 'postgres-restart') {
        this.at(w.endS, () => this.end(played));
      }
    }
    return this.startedAt;
  }

  /** Waits for what is still being applied, then clears every fault (the load is over). */
  async finish(): Promise<PlayedWindow[]> {
    for (const timer of this.timers) clearTimeout(timer);
    while (this.running.size > 0) await Promise.race(this.running);
    for (const w of this.played) {
      if (Number.isNaN(w.actualStartS)) w.problem ??= 'never started (the load ended first)';
      else if (Number.isNaN(w.actualEndS)) await this.end(w);
    }
    return this.played;
  }

  private nowS(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  private at(seconds: number, action: () => Promise<void>): void {
    const timer = setTimeout(
      () => {
        const work = action().catch((error: unknown) => this.o.log(`fault: ${String(error)}`));
        this.running.add(work);
        void work.finally(() => this.running.delete(work));
      },
      Math.max(0, seconds * 1000),
    );
    this.timers.push(timer);
  }

  private async begin(w: PlayedWindow): Promise<void> {
    w.actualStartS = this.nowS();
    this.o.log(`${w.id} begins (${w.kind}) at ${w.actualStartS.toFixed(1)} s`);
    const service = SERVICE_OF[w.kind];
    try {
      if (service !== undefined) {
        this.active.add(w);
        await this.postControl(service, 'faults', queuedFault(w.kind));
      } else if (w.kind === 'short-token-lifetime') {
        await this.postControl('auth0', 'token-lifetime', { seconds: this.o.tokenLifetimeS });
      } else if (w.kind === 'key-rotation') {
        await this.postControl('auth0', 'rotate', {});
      } else if (w.kind === 'api-restart') {
        // SIGTERM and wait for the exit (the launcher's stop), down until the planned end,
        // then a new process; the window ends when it is ready.
        await this.o.system.stopPart('api');
        const downMs = (w.endS - this.nowS()) * 1000;
        if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
        await this.o.system.startPart('api');
        this.o.onRestarted?.('api');
        await this.end(w);
      } else if (w.kind === 'postgres-restart') {
        if (this.o.postgres === null) w.problem = 'no PostgreSQL in this run';
        else await this.o.postgres.restart();
        await this.end(w);
      }
    } catch (error) {
      w.problem = String(error);
      if (w.kind === 'api-restart' || w.kind === 'postgres-restart') await this.end(w);
    }
  }

  private async end(w: PlayedWindow): Promise<void> {
    if (!Number.isNaN(w.actualEndS)) return;
    const service = SERVICE_OF[w.kind];
    try {
      if (service !== undefined) {
        this.active.delete(w);
        await this.requeue(service);
      } else if (w.kind === 'short-token-lifetime') {
        await this.postControl('auth0', 'token-lifetime', { seconds: DEFAULT_TOKEN_LIFETIME_S });
      }
    } catch (error) {
      w.problem = String(error);
    }
    w.actualEndS = Math.max(this.nowS(), w.actualStartS);
    this.o.log(`${w.id} ends (${w.kind}) at ${w.actualEndS.toFixed(1)} s`);
  }

  /** A stand-in's faults are one queue: replace it, in one request, with what is still active. */
  private async requeue(service: Service): Promise<void> {
    const faults = [...this.active]
      .filter((other) => SERVICE_OF[other.kind] === service)
      .map((other) => queuedFault(other.kind));
    await this.control(service, 'PUT', 'faults', { faults });
  }

  private postControl(service: Service, route: string, body: object): Promise<unknown> {
    return this.control(service, 'POST', route, body);
  }

  private async control(
    service: Service,
    method: string,
    route: string,
    body?: object,
  ): Promise<unknown> {
    const base = service === 'auth0' ? this.o.system.urls.auth0 : `${this.o.system.urls.sync}/`;
    const response = await fetch(`${base}__control/${route}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${service} ${method} ${route} answered ${response.status}`);
    return JSON.parse(text) as unknown;
  }
}

/** Reads a stand-in's counters (GET /__control/counters). */
export async function readCounters<T>(baseUrl: string): Promise<T> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const response = await fetch(`${base}__control/counters`, {
    signal: AbortSignal.timeout(10_000),
  });
  return (await response.json()) as T;
}
