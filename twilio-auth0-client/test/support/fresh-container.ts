// Another warm container in the same test process: the function file loaded again in a fresh
// module registry, so its shared modules (and the token cache's warm memory) start empty, while
// it talks to the same stand-ins. Cheaper than a twilio-run process, and it keeps the test's view
// of the stand-ins' counters.
import { resolve } from 'node:path';
import { jest } from '@jest/globals';
import type { ServerlessFunctionSignature } from '@twilio-labs/serverless-runtime-types/types';

/** `file`: the function's file under src/functions, without extension (`test-api-call`). */
export function handlerInFreshContainer(file: string): ServerlessFunctionSignature {
  const modulePath = resolve(__dirname, '../../src/functions', file);
  let handler: ServerlessFunctionSignature | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require(modulePath) as { handler: ServerlessFunctionSignature }).handler;
  });
  if (!handler) throw new Error(`${modulePath} has no handler`);
  return handler;
}
