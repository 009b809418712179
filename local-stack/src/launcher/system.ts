// startSystem(): the whole local system as one object. Starts the stand-ins, then secure-api
// and twilio-run, waits until each is healthy, and lets the caller (the CLI or a test) stop
// or restart a single part, or everything. Nothing here prints: output goes to `output`.
import { join, resolve } from 'node:path';
import { ChildProcessGroup, type ManagedChild } from './child-process-group';
import { waitForHttp, waitForReadyLine } from './health';
import { assertBuilt, partCommand } from './part-commands';
import { PART_NAMES, PARTS, type PartName } from './parts';
import { resolvePorts, type PartPorts } from './ports';
import { type SecurityModes } from './security-modes';
import {
  createSystemConfig,
  writeGeneratedFiles,
  type SystemConfig,
  type SystemUrls,
} from './system-config';

export interface StartSystemOptions {
  /** The repository root; default: found from this file's location. */
  rootDir?: string;
  /** Where generated files and the local database go; default `<root>/.local-stack`. */
  stateDir?: string;
  /** Fixed ports; a missing or 0 entry gets a free ephemeral port. */
  ports?: Partial<PartPorts>;
  /** The stand-ins' /__control routes (loopback only). */
  enableControl?: boolean;
  tokenLifetimeSeconds?: number;
  functionDeadlineMs?: number;
  /** secure-api's database; default `<stateDir>/secure-api.db`. */
  databasePath?: string;
  /** DPoP and client authentication; default: DPoP allowed, Private Key JWT. */
  modes?: SecurityModes;
  /** Receives every output line of every part; default: discarded. */
  output?: (part: PartName, line: string) => void;
  /** How long one part may take to become healthy. */
  readyTimeoutMs?: number;
  /** Aborting it during start-up stops what was started and rejects. */
  signal?: AbortSignal;
  /** Extra variables for one part's process (e.g. DATABASE_URL for secure-api), set last. */
  extraEnvironment?: Partial<Record<PartName, Record<string, string>>>;
  /** Extra command-line arguments for one part (e.g. twilio-run's --no-fork-process). */
  extraArguments?: Partial<Record<PartName, string[]>>;
}

export interface PartFailure {
  part: PartName;
  code: number | null;
  signal: NodeJS.Signals | null;
  lastLines: string[];
  /** One paragraph naming the part, how it ended and what it printed last. */
  message: string;
}

export interface RunningSystem {
  urls: SystemUrls;
  config: SystemConfig;
  /** Resolves when a part exits without being asked to (the system is then broken). */
  failure: Promise<PartFailure>;
  /** Process ids of the parts started so far (each the leader of its process group). */
  pids(): number[];
  /** The process id of one part while it runs (a restarted part has a new one). */
  pidOf(part: PartName): number | undefined;
  /** Synchronous SIGKILL of every part, for a launcher that is exiting abruptly. */
  killNow(): void;
  stopPart(part: PartName): Promise<void>;
  /** Starts a stopped part again with the same settings and waits until it is healthy. */
  startPart(part: PartName): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** local-stack/{src,dist}/launcher → the repository root. */
export function defaultRootDir(): string {
  return resolve(__dirname, '..', '..', '..');
}

export async function startSystem(options: StartSystemOptions = {}): Promise<RunningSystem> {
  const rootDir = options.rootDir ?? defaultRootDir();
  assertBuilt(rootDir, PART_NAMES);
  const stateDir = options.stateDir ?? join(rootDir, '.local-stack');
  const ports = await resolvePorts(options.ports ?? {});
  const config = createSystemConfig({
    rootDir,
    stateDir,
    ports,
    enableControl: options.enableControl ?? false,
    ...(options.tokenLifetimeSeconds === undefined
      ? {}
      : { tokenLifetimeSeconds: options.tokenLifetimeSeconds }),
    ...(options.functionDeadlineMs === undefined
      ? {}
      : { functionDeadlineMs: options.functionDeadlineMs }),
    ...(options.databasePath === undefined ? {} : { databasePath: options.databasePath }),
    ...(options.modes === undefined ? {} : { modes: options.modes }),
  });
  await writeGeneratedFiles(config);

  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const output = options.output ?? ((): void => {});
  let reportFailure: (failure: PartFailure) => void = () => {};
  const failure = new Promise<PartFailure>((resolveFailure) => {
    reportFailure = resolveFailure;
  });
  const group = new ChildProcessGroup(output, (exit, lastLines) => {
    const how = exit.signal === null ? `code ${String(exit.code)}` : `signal ${exit.signal}`;
    const last =
      lastLines.length === 0
        ? ''
        : `\nIts last lines:\n${lastLines.map((l) => `  ${l}`).join('\n')}`;
    reportFailure({
      ...exit,
      lastLines,
      message: `The ${PARTS[exit.part].title} stopped unexpectedly (${how}).${last}`,
    });
  });

  const startPart = async (part: PartName): Promise<void> => {
    const running = group.get(part);
    if (running?.running === true) return;
    const command = partCommand(part, config);
    const child = group.start({
      ...command,
      args: [...command.args, ...(options.extraArguments?.[part] ?? [])],
      env: { ...command.env, ...options.extraEnvironment?.[part] },
    });
    await waitUntilHealthy(child, config, readyTimeoutMs);
  };

  const abort = (): void => void group.stopAll();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await Promise.all([startPart('auth0'), startPart('sync')]);
    await Promise.all([startPart('api'), startPart('functions')]);
    options.signal?.throwIfAborted();
  } catch (error) {
    await group.stopAll();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }

  let stopping: Promise<void> | undefined;
  return {
    urls: config.urls,
    config,
    failure,
    pids: () => group.pids(),
    pidOf: (part) => {
      const child = group.get(part);
      return child?.running === true ? child.pid : undefined;
    },
    killNow: () => group.killAllNow(),
    stopPart: (part) => group.stop(part),
    startPart,
    stop: () => (stopping ??= group.stopAll()),
  };
}

async function waitUntilHealthy(
  child: ManagedChild,
  c: SystemConfig,
  timeoutMs: number,
): Promise<void> {
  switch (child.spec.part) {
    case 'auth0':
    case 'sync':
      await waitForReadyLine(child, timeoutMs);
      return;
    case 'api':
      // Ready means signing keys reachable and the database open, not merely listening.
      await waitForHttp(child, `${c.urls.api}/health/ready`, (status) => status === 200, timeoutMs);
      return;
    case 'functions':
      // Any HTTP answer will do; a function URL would already fetch a token.
      await waitForHttp(child, `http://127.0.0.1:${c.ports.functions}/`, () => true, timeoutMs);
      return;
  }
}
