// Test helper: `npm run token` as a newcomer runs it (the built local-stack/dist/bin/print-token.js),
// against the state directory of a started system, with nothing of this process's environment
// but PATH.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const PRINT_TOKEN = join(__dirname, '..', 'dist', 'bin', 'print-token.js');

export interface PrintTokenRun {
  code: number | null;
  out: string;
  err: string;
}

export function printToken(stateDir: string): Promise<PrintTokenRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PRINT_TOKEN], {
      env: { PATH: process.env.PATH ?? '', LOCAL_STACK_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}
