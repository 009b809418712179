// `npm run bench:dpop -w secure-api [-- --short]`: section 6 (DPoP) of the bench on its own,
// against a local key set (no Auth0 stand-in needed): prints the table, the ES256 floor and
// the two DPoP target lines. Writes nothing; `npm run bench` runs the same section and keeps
// its figures in bench/results/latest.json and the README.
import { loadavg } from 'node:os';
import { dpopReport } from './report/markdown-report.js';
import { dpopTargets } from './report/targets.js';
import { runDpopSection } from './sections/dpop-throughput.js';
import { AUDIENCE, createBenchSigningKey } from './support/bench-tokens.js';
import { pinToCore, planCpuPinning } from './support/cpu-pinning.js';
import { KeySetServer } from './support/key-set-server.js';

const SHORT = process.argv.includes('--short');

async function main(): Promise<void> {
  const pinning = planCpuPinning();
  console.log(
    `DPoP bench${SHORT ? ' (short)' : ''} — load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}; ${pinning.description}`,
  );
  const signingKey = createBenchSigningKey();
  const keySet = await new KeySetServer([signingKey.jwk]).start();
  const issuer = new URL('/', keySet.jwksUri).href;
  if (pinning.cores) pinToCore(process.pid, pinning.cores.load);
  try {
    const dpop = await runDpopSection({
      issuer,
      serverConfig: { issuer, audience: AUDIENCE, jwksUri: keySet.jwksUri },
      signingKey,
      serverCore: pinning.cores?.server,
      rounds: SHORT ? 2 : 5,
      runSeconds: 1,
      proofCount: SHORT ? 30_000 : 60_000,
      log: (line) => console.log(line),
    });
    console.log('');
    console.log(dpopReport(dpop).join('\n\n'));
    console.log('');
    for (const line of dpopTargets(dpop)) {
      console.log(
        `${line.holds ? 'PASS' : 'FAIL'}  ${line.label}: ${line.value.toFixed(2)} (target ≥ ${line.target})`,
      );
    }
  } finally {
    await keySet.close();
  }
}

main().catch((error: unknown) => {
  console.error(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
