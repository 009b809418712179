// Pieces of the real Functions runtime (@twilio/runtime-handler, the one twilio-run uses), for
// tests that run handlers in-process. The package exports only its entry points, so its
// internals are reached by file path from the resolved `./dev` entry.
import { dirname, join } from 'node:path';

const DEV_RUNTIME_DIR = dirname(require.resolve('@twilio/runtime-handler/dev'));

export interface RuntimeResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  body: unknown;
}

export const { Response } = module.require(join(DEV_RUNTIME_DIR, 'internal/response.js')) as {
  Response: new () => RuntimeResponse;
};

export const { constructContext } = module.require(join(DEV_RUNTIME_DIR, 'route.js')) as {
  constructContext: (
    config: { url: string; env: Record<string, string>; logger: unknown; baseDir: string },
    functionPath: string,
  ) => unknown;
};
