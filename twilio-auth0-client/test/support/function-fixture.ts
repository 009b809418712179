// The setup most test files share: the Auth0 and Sync stand-ins, the API the functions call (a
// scripted one, or the real secure-api in a child process) and the functions' log lines captured.
// `useFunctionFixture` registers the hooks that start, reset and close them; tests read the parts
// from the returned object (they exist once the file's beforeAll has run).
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import {
  startAuth0StandIn,
  startSyncStandIn,
  type Auth0StandIn,
  type Auth0StandInOptions,
  type SyncStandIn,
} from 'local-stack';
import { captureLogs, type CapturedLogs } from './capture-logs';
import { startSecureApi, type ChildService } from './child-services';
import { functionEnv } from './env';
import type { Env } from './invoke';
import {
  answerLikeSecureApi,
  startScriptedApi,
  type ScriptedApi,
  type Script,
} from './scripted-api';

export interface FixtureOptions {
  auth0?: Auth0StandInOptions;
  /** The API the functions call: a scripted one (default: answers like secure-api) or the real one. */
  api?: Script | 'secure-api';
  /**
   * The functions' console output: captured per test (default), once around the whole file, or
   * left alone (functions that run in other processes).
   */
  logs?: 'each' | 'all' | 'none';
}

export interface FunctionFixture {
  readonly auth0: Auth0StandIn;
  readonly sync: SyncStandIn;
  /** The scripted API (not there with `api: 'secure-api'`). */
  readonly api: ScriptedApi;
  /** The real secure-api (only with `api: 'secure-api'`). */
  readonly secureApi: ChildService;
  readonly logs: CapturedLogs;
  /** The functions' environment against these servers (each call: a new Sync document name). */
  env(overrides?: Env): Env;
  /** Another scripted API for the current test alone: closed when the test ends. */
  scriptedApi(script: Script): Promise<ScriptedApi>;
}

const DEFAULT_TOKEN_LIFETIME_SECONDS = 86400;

export function useFunctionFixture(options: FixtureOptions = {}): FunctionFixture {
  let auth0: Auth0StandIn | undefined;
  let sync: SyncStandIn | undefined;
  let api: ScriptedApi | undefined;
  let secureApi: ChildService | undefined;
  let logs: CapturedLogs | undefined;
  const testApis: ScriptedApi[] = [];
  const lifetime = options.auth0?.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  const mode = options.logs ?? 'each';
  const started = <T>(part: T | undefined, name: string): T => {
    if (part === undefined)
      throw new Error(`the fixture has no ${name} (not started or not asked for)`);
    return part;
  };

  beforeAll(async () => {
    const script = options.api === 'secure-api' ? undefined : (options.api ?? answerLikeSecureApi);
    [auth0, sync, api] = await Promise.all([
      startAuth0StandIn(options.auth0),
      startSyncStandIn(),
      script ? startScriptedApi(script) : Promise.resolve(undefined),
    ]);
    if (options.api === 'secure-api') secureApi = await startSecureApi(auth0);
    if (mode === 'all') logs = captureLogs();
  }, 60_000);
  afterAll(async () => {
    if (mode === 'all') logs?.restore();
    await secureApi?.close();
    await Promise.all([auth0?.close(), sync?.close(), api?.close()]);
  });
  beforeEach(() => {
    if (mode === 'each') logs = captureLogs();
    for (const standIn of [auth0, sync]) {
      standIn?.resetCounters();
      standIn?.clearFaults();
    }
  });
  afterEach(async () => {
    if (mode === 'each') logs?.restore();
    auth0?.setTokenLifetime(lifetime);
    await Promise.all(testApis.splice(0).map((testApi) => testApi.close()));
  });

  return {
    get auth0() {
      return started(auth0, 'Auth0 stand-in');
    },
    get sync() {
      return started(sync, 'Sync stand-in');
    },
    get api() {
      return started(api, 'scripted API');
    },
    get secureApi() {
      return started(secureApi, 'secure-api');
    },
    get logs() {
      return started(logs, 'captured logs');
    },
    env(overrides: Env = {}): Env {
      const apiUrl = secureApi?.url ?? started(api, 'API').url;
      return functionEnv(
        started(auth0, 'Auth0 stand-in'),
        started(sync, 'Sync stand-in'),
        apiUrl,
        overrides,
      );
    },
    async scriptedApi(script: Script): Promise<ScriptedApi> {
      const testApi = await startScriptedApi(script);
      testApis.push(testApi);
      return testApi;
    },
  };
}
