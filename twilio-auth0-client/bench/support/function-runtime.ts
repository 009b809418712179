// The Functions runtime around the built handlers, in this process: the globals a deployed
// function gets (Runtime with the map of dist/functions, Twilio with the runtime's Response),
// the context from @twilio/runtime-handler's own constructContext (as twilio-run builds it and
// as this package's tests do), and fresh "containers": a handler loaded with empty module state,
// as after a cold start. Everything runs from dist/, the code that is deployed.
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import twilio from 'twilio';

export const PACKAGE_DIR = resolve(__dirname, '../../../..');
const FUNCTIONS_DIR = join(PACKAGE_DIR, 'dist/functions');
const DEV_RUNTIME_DIR = dirname(require.resolve('@twilio/runtime-handler/dev'));
const LOCAL_DOMAIN = 'localhost:3000';

export type Env = Record<string, string>;

export interface FunctionResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  body: unknown;
}

type Callback = (error: unknown, response?: FunctionResponse) => void;
export type Handler = (
  context: unknown,
  event: Record<string, unknown>,
  callback: Callback,
) => void;

const { Response } = module.require(join(DEV_RUNTIME_DIR, 'internal/response.js')) as {
  Response: new () => FunctionResponse;
};
const { constructContext } = module.require(join(DEV_RUNTIME_DIR, 'route.js')) as {
  constructContext: (
    config: { url: string; env: Env; logger: unknown; baseDir: string },
    functionPath: string,
  ) => unknown;
};

function functionMap(dir: string, map: Record<string, { path: string }> = {}) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) functionMap(full, map);
    else if (entry.name.endsWith('.js')) {
      const name = relative(FUNCTIONS_DIR, full).replace(/(\.private|\.protected)?\.js$/, '');
      map[name] = { path: full };
    }
  }
  return map;
}

export function installRuntimeGlobals(): void {
  const functions = functionMap(FUNCTIONS_DIR);
  const globals = globalThis as Record<string, unknown>;
  globals.Runtime = { getFunctions: () => functions, getAssets: () => ({}) };
  globals.Twilio = { ...twilio, Response };
}

/** The handler of `name` with empty module state: a new container. */
export function loadInFreshContainer(name: string): Handler {
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(FUNCTIONS_DIR)) delete require.cache[key];
  }
  return (module.require(join(FUNCTIONS_DIR, `${name}.js`)) as { handler: Handler }).handler;
}

const silentLogger = { info() {}, warn() {}, error() {}, debug() {}, log() {} };

/** One invocation, resolved with what the function called back with. */
export function invoke(handler: Handler, env: Env, path: string): Promise<FunctionResponse> {
  const context = constructContext(
    { url: `http://${LOCAL_DOMAIN}`, env, logger: silentLogger, baseDir: PACKAGE_DIR },
    path,
  );
  const event = { request: { headers: { host: LOCAL_DOMAIN }, cookies: {} } };
  return new Promise((resolveAnswer, reject) => {
    handler(context, event, (error, response) => {
      if (error || !response) reject(new Error('the function called back with an error'));
      else resolveAnswer(response);
    });
  });
}
