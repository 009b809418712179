// `npm run migrate -w secure-api`: applies the pending migrations to the configured database
// (DATABASE_URL, else DATABASE_PATH) without starting the server, then exits. Reads
// secure-api/.env like main.ts (SECURE_API_SKIP_ENV_FILE=true skips it); logs JSON lines;
// exits 1 with one fatal line on failure (code config_invalid for a bad configuration).
import { Logger, type LoggerService } from '@nestjs/common';
import { openRepository } from './database/open-repository.js';
import { configOrFail, fail, loadEnv } from './process-entry.js';

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
  loadEnv();
  // DATABASE_* alone is enough here: the auth variables are not needed to migrate.
  const config = configOrFail({
    AUTH0_ISSUER_URL: 'https://migrate.invalid/',
    AUTH0_AUDIENCE: 'migrate',
    ...process.env,
  });
  Logger.overrideLogger(jsonLines);
  const repository = await openRepository(config, new Logger('Database'));
  await repository.close();
}

main().catch((error: unknown) => {
  fail(`migration failed: ${error instanceof Error ? error.message : 'unknown error'}`);
});
