// What both standalone mains share: read a port from the environment, print `ready <url>`
// (the launcher waits for that line) and the settings a client needs, log one line per
// request, and close cleanly with exit code 0 on SIGINT/SIGTERM.
import { LocalStackError } from './local-stack-error';

export function envPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new LocalStackError('INVALID_OPTION', `${name} must be a port number (0-65535)`);
  }
  return port;
}

export function envFlag(name: string): boolean {
  return /^(1|true|yes|on)$/i.test(process.env[name] ?? '');
}

export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

export async function runStandalone(
  start: () => Promise<{ url: string; close(): Promise<void> }>,
  describe: (url: string) => string[],
): Promise<void> {
  let standIn: { url: string; close(): Promise<void> };
  try {
    standIn = await start();
  } catch (err) {
    const message = err instanceof LocalStackError ? err.message : 'Cannot start';
    process.stderr.write(`error ${message}\n`);
    process.exit(1);
  }
  printLine(`ready ${standIn.url}`);
  for (const line of describe(standIn.url)) printLine(line);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void standIn.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
