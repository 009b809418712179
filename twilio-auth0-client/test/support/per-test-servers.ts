// The setup of the tests that start their own token endpoint and API in each test: one Sync
// stand-in for the whole file, and after each test the servers it started closed and the
// console captures it took restored.
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { startSyncStandIn, type SyncStandIn } from 'local-stack';
import { captureLogs, type CapturedLogs } from './capture-logs';

export interface PerTestServers {
  /** The file's Sync stand-in (there once the file's beforeAll has run). */
  readonly sync: SyncStandIn;
  /** Closes for the servers the current test started; run when it ends. */
  readonly closers: Array<() => Promise<void>>;
  /** Captures the functions' console output until the current test ends. */
  captureLogs(): CapturedLogs;
}

export function usePerTestServers(): PerTestServers {
  let sync: SyncStandIn | undefined;
  const closers: Array<() => Promise<void>> = [];
  const captures: CapturedLogs[] = [];

  beforeAll(async () => {
    sync = await startSyncStandIn();
  });
  afterAll(() => sync?.close());
  afterEach(async () => {
    for (const logs of captures.splice(0).reverse()) logs.restore();
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  return {
    get sync(): SyncStandIn {
      if (sync === undefined) throw new Error('the Sync stand-in starts in beforeAll');
      return sync;
    },
    closers,
    captureLogs: () => {
      const logs = captureLogs();
      captures.push(logs);
      return logs;
    },
  };
}
