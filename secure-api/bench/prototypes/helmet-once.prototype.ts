// PROTOTYPE measurement (not part of `npm run bench`): secure-api as built today vs the same app
// with one prebuilt helmet middleware (app-factory.helmet-once.ts), GET /health and GET /secure
// at 50 connections in interleaved rounds, after checking both send the same headers. Run after
// a bench build: node dist/bench/bench/prototypes/helmet-once.prototype.js
import { startAuth0StandIn } from 'local-stack';
import { AUDIENCE, fetchStandInToken } from '../support/bench-tokens.js';
import { runLoad } from '../support/load-run.js';
import { ServerProcess } from '../support/server-process.js';

const ROUNDS = 3;
const SECONDS = 2;

async function headersOf(url: string, token: string): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const names = [...response.headers.keys()].filter(
    (name) => !['date', 'keep-alive'].includes(name),
  );
  return names.map((name) => `${name}: ${response.headers.get(name)}`).join('\n');
}

async function main(): Promise<void> {
  const auth0 = await startAuth0StandIn();
  const token = await fetchStandInToken(auth0.tokenUrl);
  const config = { issuer: auth0.issuer, audience: AUDIENCE, jwksUri: auth0.jwksUri };
  const current = await ServerProcess.start('our-app.server', config);
  const prototype = await ServerProcess.start('../prototypes/our-app.helmet-once.server', config);
  try {
    const same =
      (await headersOf(`${current.url}/secure`, token)) ===
      (await headersOf(`${prototype.url}/secure`, token));
    console.log(`same response headers: ${same}`);
    const targets = [
      ['current /health', `${current.url}/health`, current],
      ['helmet-once /health', `${prototype.url}/health`, prototype],
      ['current /secure', `${current.url}/secure`, current],
      ['helmet-once /secure', `${prototype.url}/secure`, prototype],
    ] as const;
    const headers = { authorization: `Bearer ${token}` };
    for (const [, url] of targets)
      await runLoad({ url, connections: 50, durationSeconds: 1, headers });
    const rates = new Map<string, number[]>();
    const perCpu = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [label, url, server] of targets) {
        const cpuBefore = await server.cpuMicros();
        const result = await runLoad({ url, connections: 50, durationSeconds: SECONDS, headers });
        const cpuSeconds = ((await server.cpuMicros()) - cpuBefore) / 1e6;
        rates.set(label, [...(rates.get(label) ?? []), result.requestsPerSecond]);
        perCpu.set(label, [...(perCpu.get(label) ?? []), result.responses / cpuSeconds]);
      }
    }
    const median = (values: number[] = []): number =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
    for (const [label, values] of rates) {
      console.log(
        `${label}: median ${Math.round(median(values))} req/s ` +
          `(rounds ${values.map(Math.round).join(', ')}); ` +
          `${Math.round(median(perCpu.get(label)))} requests per server CPU-second`,
      );
    }
  } finally {
    await Promise.all([current.close(), prototype.close()]);
    await auth0.close();
  }
}

void main();
