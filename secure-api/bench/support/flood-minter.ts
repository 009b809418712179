// Mints the memory section's flood of distinct valid tokens on every core (RSA signing is the
// slow part: ~1,500-1,800 signatures/s per core for RS256-2048).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BenchSigningKey } from './bench-tokens.js';

export async function mintFlood(
  key: BenchSigningKey,
  issuer: string,
  total: number,
): Promise<string[]> {
  const workers = Math.max(1, availableParallelism());
  const share = Math.ceil(total / workers);
  const batches = await Promise.all(
    Array.from({ length: workers }, (_unused, index) => {
      const count = Math.min(share, total - index * share);
      return new Promise<string[]>((resolve, reject) => {
        const worker = new Worker(new URL('./mint-worker.js', import.meta.url), {
          workerData: {
            privatePem: key.privatePem,
            kid: key.kid,
            issuer,
            prefix: `w${index}`,
            count,
          },
        });
        worker.once('message', (tokens: string[]) => resolve(tokens));
        worker.once('error', reject);
      });
    }),
  );
  return batches.flat();
}
