// Entry point: `node secure-api/dist/main.js`. Reads secure-api/.env if present (the
// environment wins; SECURE_API_SKIP_ENV_FILE=true, set by the local-stack launcher, skips it
// so that the launcher's configuration is the whole configuration), validates the
// configuration (exits 1 with one line, code config_invalid, naming the bad variable), starts
// listening, logs {"msg":"listening","url":…}, and stops cleanly on SIGTERM/SIGINT.
import { configOrFail, fail, loadEnv } from './process-entry.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  loadEnv();
  const config = configOrFail(process.env);

  // Loaded only once the configuration is valid, so a bad one fails in a fraction of a second.
  const { createApp, urlOf } = await import('./app.factory.js');
  const app = await createApp(config, { warmUp: true });
  const logger = app.getHttpAdapter().getInstance().log;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  logger.info({ url: urlOf(app) }, 'listening');
}

main().catch((error: unknown) => {
  fail(`start-up failed: ${error instanceof Error ? error.message : 'unknown error'}`);
});
