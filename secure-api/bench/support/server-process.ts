// The parent side of a bench server: forks one server entry (compiled JS next to this file's
// tree), waits for its URL, asks it for memory figures, and stops it.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  ChildMessage,
  ParentMessage,
  ServerConfig,
  ServerStats,
} from '../servers/child-protocol.js';
import { pinToCore } from './cpu-pinning.js';

const START_TIMEOUT_MS = 30_000;

export class ServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /**
   * `entry` is the server module's name under bench/servers, e.g. 'node-http.server';
   * `core`, when given, is the one CPU core the whole server process may run on.
   */
  static async start(entry: string, config: ServerConfig, core?: number): Promise<ServerProcess> {
    const file = fileURLToPath(new URL(`../servers/${entry}.js`, import.meta.url));
    const child = fork(file, [], {
      execArgv: ['--expose-gc'],
      env: { ...process.env, BENCH_SERVER_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${entry} did not start within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${entry} exited with code ${code} before it was ready`));
      });
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.url);
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`${entry} failed to start: ${message.message}`));
        }
      });
    });
    child.removeAllListeners('exit');
    if (core !== undefined && child.pid !== undefined) pinToCore(child.pid, core);
    return new ServerProcess(child, url);
  }

  /** Memory after a full GC in the server process, plus the server's own figures. */
  stats(): Promise<ServerStats> {
    return this.ask('stats', (message) => (message.type === 'stats' ? message.stats : undefined));
  }

  /** CPU time the server process has used so far, in microseconds. */
  cpuMicros(): Promise<number> {
    return this.ask('cpu', (message) => (message.type === 'cpu' ? message.micros : undefined));
  }

  private ask<T>(
    type: 'stats' | 'cpu',
    pick: (message: ChildMessage) => T | undefined,
  ): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (message: ChildMessage): void => {
        const value = pick(message);
        if (value === undefined) return;
        this.child.off('message', onMessage);
        resolve(value);
      };
      this.child.on('message', onMessage);
      this.send({ type });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    this.send({ type: 'close' });
    await exited;
    clearTimeout(timer);
  }

  private send(message: ParentMessage): void {
    this.child.send(message);
  }
}
