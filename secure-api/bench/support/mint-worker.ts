// Worker thread: signs `count` distinct flood tokens (jti `${prefix}-${i}`) and posts them back.
import { createPrivateKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { claimsFor, signToken } from './bench-tokens.js';

interface MintJob {
  privatePem: string;
  kid: string;
  issuer: string;
  prefix: string;
  count: number;
}

const job = workerData as MintJob;
const key = createPrivateKey(job.privatePem);
const base = claimsFor(job.issuer);
const tokens: string[] = [];
for (let i = 0; i < job.count; i += 1) {
  tokens.push(signToken(job.kid, { ...base, jti: `${job.prefix}-${i}` }, key));
}
parentPort?.postMessage(tokens);
