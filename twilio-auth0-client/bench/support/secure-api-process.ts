// The real secure-api (its built dist/main.js) in a child process, trusting the Auth0
// stand-in, with an in-memory database and request logging off.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../test/support/free-port';
import { PACKAGE_DIR } from './function-runtime';

const REPO_DIR = join(PACKAGE_DIR, '..');

export interface SecureApiProcess {
  url: string;
  close(): Promise<void>;
}

export async function startSecureApi(
  issuerUrl: string,
  audience: string,
): Promise<SecureApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(REPO_DIR, 'secure-api/dist/main.js')], {
    cwd: REPO_DIR,
    env: {
      PATH: process.env.PATH,
      AUTH0_ISSUER_URL: issuerUrl,
      AUTH0_AUDIENCE: audience,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: ':memory:',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child.exitCode !== null) throw new Error('secure-api exited during start-up');
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return { url, close };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await close();
  throw new Error(`secure-api did not answer at ${url} in time`);
}
