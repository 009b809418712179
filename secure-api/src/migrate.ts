// `npm run migrate -w secure-api`: applies the pending migrations to the configured database
// (DATABASE_URL, else DATABASE_PATH) without starting the server, then exits. Reads
// secure-api/.env like main.ts; logs JSON lines; exits 1 with one line on failure.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Logger, type LoggerService } from '@nestjs/common';
import { validateEnv } from './config/env.validation.js';
import { openRepository } from './database/open-repository.js';
import { SecureApiError } from './errors/secure-api.error.js';

const ENV_FILE = fileURLToPath(new URL('../.env', import.meta.url));

/** One JSON line per entry, like the server's log. */
const jsonLines: LoggerService = {
  log: (message: unknown) => write('info', message),
  warn: (message: unknown) => write('warn', message),
  error: (message: unknown) => write('error', message),
};

function write(level: string, message: unknown): void {
  const fields = typeof message === 'object' && message !== null ? message : { msg: message };
  process.stdout.write(`${JSON.stringify({ level, time: Date.now(), ...fields })}\n`);
}

async function main(): Promise<void> {
  if (existsSync(ENV_FILE)) process.loadEnvFile(ENV_FILE);
  // DATABASE_* alone is enough here: the auth variables are not needed to migrate.
  const config = validateEnv({
    AUTH0_ISSUER_URL: 'https://migrate.invalid/',
    AUTH0_AUDIENCE: 'migrate',
    ...process.env,
  });
  Logger.overrideLogger(jsonLines);
  const repository = await openRepository(config, new Logger('Database'));
  await repository.close();
}

main().catch((error: unknown) => {
  const message =
    error instanceof SecureApiError
      ? `invalid configuration: ${error.message}`
      : `migration failed: ${error instanceof Error ? error.message : 'unknown error'}`;
  process.stderr.write(`${JSON.stringify({ level: 'fatal', time: Date.now(), msg: message })}\n`);
  process.exit(1);
});
