// Section 2: runs the verification micro-benchmark in a child process of its own.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MicroConfig } from '../micro/verify-paths.js';
import type { VerifyRow } from '../report/bench-results.js';

type MicroMessage = { type: 'rows'; rows: VerifyRow[] } | { type: 'failed'; message: string };

export function runVerifyMicro(config: MicroConfig): Promise<VerifyRow[]> {
  const file = fileURLToPath(new URL('../micro/verify-paths.js', import.meta.url));
  const child = fork(file, [], {
    env: { ...process.env, BENCH_MICRO_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: MicroMessage) => {
      if (message.type === 'rows') resolve(message.rows);
      else reject(new Error(`verification micro-benchmark failed: ${message.message}`));
    });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`verification micro-benchmark exited with code ${code}`));
    });
  });
}
