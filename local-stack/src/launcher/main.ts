// `npm start` at the root: builds what changed, starts the whole local system, prints the
// banner, and stops every part on Ctrl-C or SIGTERM (exit 0) or when one part dies (exit 1,
// naming it and its last lines).
import { join } from 'node:path';
import { banner } from './banner';
import { buildOutOfDate } from './build-step';
import { LocalStackError } from '../shared/local-stack-error';
import { envFlag } from '../shared/run-standalone';
import { createPrefixedOutput } from './log-output';
import { portsFromEnvironment, resolvePorts } from './ports';
import { modesFromEnvironment } from './security-modes';
import { defaultRootDir, startSystem, type RunningSystem } from './system';

// Built by the root start line itself (the launcher lives in it), so only the other two here.
const PACKAGES_BUILT_HERE = ['secure-api', 'twilio-auth0-client'];
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

async function main(): Promise<number> {
  const colour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  const print = createPrefixedOutput(process.stdout, colour);
  const printError = createPrefixedOutput(process.stderr, process.stderr.isTTY === true && colour);
  const say = (text: string): void => {
    for (const line of text.split('\n')) print('launcher', line);
  };
  const complain = (text: string): void => {
    for (const line of text.split('\n')) printError('launcher', line);
  };
  const rootDir = defaultRootDir();
  // LOCAL_STACK_DIR moves the generated files (tests use a temporary one, so a developer's
  // running system is left alone); LOCAL_STACK_SKIP_BUILD=true trusts the existing dist/.
  const stateDir = process.env.LOCAL_STACK_DIR ?? join(rootDir, '.local-stack');
  const skipBuild = envFlag('LOCAL_STACK_SKIP_BUILD');
  const startedAt = Date.now();

  const stopRequested = new AbortController();
  let system: RunningSystem | undefined;
  for (const signal of STOP_SIGNALS) {
    // A second signal changes nothing: one Ctrl-C reaches us twice (from the terminal and
    // forwarded by npm), and stopping is bounded anyway (SIGKILL after a grace period).
    process.on(signal, () => stopRequested.abort());
  }
  process.on('exit', () => system?.killNow());
  // Orphaned (npm or the shell above us was killed without passing the signal on): stop too,
  // rather than leave the whole system running with nobody to Ctrl-C it.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stopRequested.abort();
  }, 1000).unref();

  try {
    const ports = portsFromEnvironment(process.env);
    // LOCAL_DPOP (allowed | required | false) and LOCAL_CLIENT_AUTH (private_key_jwt | secret).
    const modes = modesFromEnvironment(process.env);
    // Before the build: a busy port is reported at once, not a minute later.
    await resolvePorts(ports);
    if (!skipBuild) {
      await buildOutOfDate({ rootDir, stateDir, packages: PACKAGES_BUILT_HERE, log: say });
    }
    if (stopRequested.signal.aborted) return 0;
    say('starting the Auth0 and Sync stand-ins, secure-api and twilio-run…');
    system = await startSystem({
      rootDir,
      stateDir,
      ports,
      enableControl: true,
      modes,
      output: print,
      signal: stopRequested.signal,
    });
  } catch (error) {
    if (stopRequested.signal.aborted) return 0;
    complain(
      error instanceof LocalStackError ? error.message : `Start-up failed: ${String(error)}`,
    );
    return 1;
  }

  process.stdout.write(`${banner(system.config, colour)}\n`);
  say(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

  const stopped = new Promise<'stop'>((resolve) => {
    if (stopRequested.signal.aborted) resolve('stop');
    stopRequested.signal.addEventListener('abort', () => resolve('stop'), { once: true });
  });
  const outcome = await Promise.race([stopped, system.failure]);
  if (outcome === 'stop') {
    say('stopping…');
    await system.stop();
    say('stopped');
    return 0;
  }
  complain(outcome.message);
  say('stopping the other parts…');
  await system.stop();
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Signal listeners keep nothing alive, but a stray handle must not hold the exit.
    setImmediate(() => process.exit(code));
  },
  (error: unknown) => {
    console.error(`[launcher] unexpected failure: ${String(error)}`);
    process.exit(1);
  },
);
