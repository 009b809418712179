// How each part is started: which compiled file or binary, in which folder, with which
// environment. Each part gets its whole configuration from the launcher: of the user's
// environment only what a process needs to run (PATH, home, locale, temp folder, terminal) is
// passed on, so neither a shell variable nor a .env file can point a part elsewhere.
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { type ChildSpec } from './child-process-group';
import { LocalStackError } from '../shared/local-stack-error';
import { type PartName } from './parts';
import {
  apiEnvironment,
  auth0Environment,
  syncEnvironment,
  type SystemConfig,
} from './system-config';

interface PartLayout {
  /** The compiled file that must exist before the part can start, relative to the root. */
  entry: string;
  buildCommand: string;
}

const LAYOUT: Record<PartName, PartLayout> = {
  auth0: { entry: 'local-stack/dist/auth0/main.js', buildCommand: 'npm run build -w local-stack' },
  sync: { entry: 'local-stack/dist/sync/main.js', buildCommand: 'npm run build -w local-stack' },
  api: { entry: 'secure-api/dist/main.js', buildCommand: 'npm run build -w secure-api' },
  functions: {
    entry: 'twilio-auth0-client/dist/functions',
    buildCommand: 'npm run build -w twilio-auth0-client',
  },
};

/** Fails with the build command to run when a part's compiled output is missing. */
export function assertBuilt(rootDir: string, parts: readonly PartName[]): void {
  const missing = parts.filter((part) => !existsSync(join(rootDir, LAYOUT[part].entry)));
  if (missing.length === 0) return;
  const commands = [...new Set(missing.map((part) => LAYOUT[part].buildCommand))];
  throw new LocalStackError(
    'NOT_BUILT',
    `Not built yet: ${missing.map((part) => LAYOUT[part].entry).join(', ')}. Run: ${commands.join(' && ')}`,
  );
}

export function partCommand(part: PartName, c: SystemConfig): ChildSpec {
  const node = process.execPath;
  const root = c.rootDir;
  switch (part) {
    case 'auth0':
      return spec(part, node, [join(root, LAYOUT.auth0.entry)], root, auth0Environment(c));
    case 'sync':
      return spec(part, node, [join(root, LAYOUT.sync.entry)], root, syncEnvironment(c));
    case 'api':
      // Started from its own folder, as `npm run start -w secure-api` would.
      return spec(
        part,
        node,
        [join(root, LAYOUT.api.entry)],
        join(root, 'secure-api'),
        apiEnvironment(c),
      );
    case 'functions': {
      const clientDir = join(root, 'twilio-auth0-client');
      // The binary itself, never through npx: killing npx can leave twilio-run orphaned.
      return spec(
        part,
        node,
        [
          twilioRunBinary(root),
          '--functions-folder',
          'dist/functions',
          '--assets-folder',
          'dist/assets',
          '--env',
          c.functionsEnvFile,
          '--port',
          String(c.ports.functions),
        ],
        clientDir,
        // twilio-run replaces its own process.env by the --env file; PORT would only confuse it.
        {},
      );
    }
  }
}

function spec(
  part: PartName,
  command: string,
  args: string[],
  cwd: string,
  wiring: Record<string, string>,
): ChildSpec {
  const env: NodeJS.ProcessEnv = {
    ...runtimeEnvironment(process.env),
    NODE_ENV: 'development',
    ...wiring,
  };
  return { part, command, args, cwd, env };
}

/** Variables about the machine and the terminal, never about the application. */
const RUNTIME_VARIABLES =
  /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR|TEMP|TMP|TERM|COLORTERM|NO_COLOR|FORCE_COLOR|SystemRoot|ComSpec|PATHEXT|APPDATA|LOCALAPPDATA|USERPROFILE)$/;

export function runtimeEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => RUNTIME_VARIABLES.test(name)));
}

function twilioRunBinary(root: string): string {
  const candidates = [
    join(root, 'twilio-auth0-client/node_modules/.bin/twilio-run'),
    join(root, 'node_modules/.bin/twilio-run'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new LocalStackError(
      'NOT_BUILT',
      'twilio-run is not installed: run `npm install` at the root.',
    );
  }
  // Run its script with this Node directly: the child is then twilio-run itself.
  return realpathSync(found);
}
