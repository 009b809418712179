// Runs each part as a child process in its own process group, hands every output line to the
// caller, keeps the last few lines for error reports, and stops a part by signalling its whole
// group: twilio-run forks a process per request, and those forks must go with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type PartName } from './parts';

export interface ChildSpec {
  part: PartName;
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface ChildExit {
  part: PartName;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the launcher asked for it (stop), false when the part died by itself. */
  expected: boolean;
}

export type LineSink = (part: PartName, line: string) => void;

const REMEMBERED_LINES = 15;
const STOP_GRACE_MS = 5000;

export class ManagedChild {
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private readonly recent: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private stopping: Promise<void> | undefined;
  private exitInfo: ChildExit | undefined;

  constructor(
    readonly spec: ChildSpec,
    sink: LineSink,
  ) {
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      // Its own process group: the terminal's Ctrl-C reaches only the launcher, which then
      // stops each group as a whole (children and their forks) in a known order.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.remember(line);
        sink(spec.part, line);
        for (const listener of this.lineListeners) listener(line);
      });
    }
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        this.exitInfo ??= { part: spec.part, code, signal, expected: this.stopping !== undefined };
        resolve(this.exitInfo);
      };
      this.child.once('exit', finish);
      this.child.once('error', (err) => {
        this.remember(`cannot start ${spec.command}: ${err.message}`);
        finish(null, null);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  lastLines(): string[] {
    return [...this.recent];
  }

  /** Calls `listener` for each output line from now on; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** SIGTERM to the group, SIGKILL after a grace period, then a sweep of leftover forks. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.running) {
        signalGroup(this.child.pid, 'SIGTERM');
        const timer = new Promise<'timeout'>((resolve) => {
          setTimeout(() => resolve('timeout'), STOP_GRACE_MS).unref();
        });
        if ((await Promise.race([this.exited, timer])) === 'timeout') {
          signalGroup(this.child.pid, 'SIGKILL');
          await this.exited;
        }
      }
      signalGroup(this.child.pid, 'SIGKILL');
    })();
    return this.stopping;
  }

  /** Last resort when the launcher itself exits abruptly: synchronous, no waiting. */
  killNow(): void {
    signalGroup(this.child.pid, 'SIGKILL');
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > REMEMBERED_LINES) this.recent.shift();
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we want.
  }
}

/** The running parts by name; reports a part that exits without being asked to. */
export class ChildProcessGroup {
  private readonly children = new Map<PartName, ManagedChild>();

  constructor(
    private readonly sink: LineSink,
    private readonly onUnexpectedExit: (exit: ChildExit, lastLines: string[]) => void,
  ) {}

  start(spec: ChildSpec): ManagedChild {
    const child = new ManagedChild(spec, this.sink);
    this.children.set(spec.part, child);
    void child.exited.then((exit) => {
      if (!exit.expected) this.onUnexpectedExit(exit, child.lastLines());
    });
    return child;
  }

  get(part: PartName): ManagedChild | undefined {
    return this.children.get(part);
  }

  pids(): number[] {
    return [...this.children.values()].flatMap((child) =>
      child.pid === undefined ? [] : [child.pid],
    );
  }

  async stop(part: PartName): Promise<void> {
    await this.children.get(part)?.stop();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children.values()].map((child) => child.stop()));
  }

  killAllNow(): void {
    for (const child of this.children.values()) child.killNow();
  }
}
