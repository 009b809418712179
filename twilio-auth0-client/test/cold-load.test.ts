// A cold container must not load a second twilio SDK: the runtime has loaded one already (the
// global `Twilio`), and `require('twilio')` costs about as much as everything else a function
// loads. Each built function is loaded, then invoked once, in a fresh Node process given the
// runtime's globals as @twilio/runtime-handler provides them (bench/support/cold-load-probe.js,
// the same probe the cold-start bench times), and every require() it makes is checked.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { useFunctionFixture } from './support/function-fixture';
import { eventFor, LOCAL_DOMAIN } from './support/invoke';
import { recordingInteractionsAs } from './support/scripted-api';
import { signedEvent } from './support/signing';

const run = promisify(execFile);
const PACKAGE_DIR = resolve(__dirname, '..');
const FUNCTIONS_DIR = join(PACKAGE_DIR, 'dist/functions');
const PROBE = join(PACKAGE_DIR, 'bench/support/cold-load-probe.js');
const TWILIO_PACKAGE_FILE = /[\\/]node_modules[\\/]twilio[\\/]/;

interface ProbeResult {
  twilioEntryLoads: Array<{ request: string; from: string }>;
  modules: string[];
  answer: { statusCode: number; body: string } | null;
}

const fixture = useFunctionFixture({
  api: recordingInteractionsAs('int_9'),
  logs: 'none', // the functions run in child processes
});

let jobDir: string;
beforeAll(() => {
  jobDir = mkdtempSync(join(tmpdir(), 'cold-load-'));
});
afterAll(() => rmSync(jobDir, { recursive: true, force: true }));

async function probe(job: Record<string, unknown>): Promise<ProbeResult> {
  const jobFile = join(jobDir, `job-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(jobFile, JSON.stringify({ packageDir: PACKAGE_DIR, ...job }));
  const { stdout } = await run(process.execPath, [PROBE, jobFile], {
    env: { PATH: process.env.PATH },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult;
}

/** The npm packages among loaded files (the innermost node_modules segment names each one). */
function packagesOf(files: string[]): string[] {
  const names = files.flatMap((file) => {
    const match = /.*[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
    return match ? [match[1]!.replace(/\\/g, '/')] : [];
  });
  return [...new Set(names)].sort();
}

const invocations: Record<string, () => Record<string, unknown>> = {
  'customer-lookup': () => signedEvent('/customer-lookup', { phone: '+15005550001' }),
  'log-interaction': () =>
    signedEvent('/log-interaction', { customerId: 'cus_001', channel: 'sms', summary: 'Hi' }),
  'test-api-call': () => eventFor(),
};

describe('RT1: a cold load imports no twilio SDK of its own', () => {
  for (const [name, event] of Object.entries(invocations)) {
    it(`RT1: ${name} loads and answers without importing the twilio package entry point`, async () => {
      const loadOnly = await probe({ functionsDir: FUNCTIONS_DIR, load: name });
      expect(loadOnly.twilioEntryLoads).toEqual([]);
      // Nothing of the twilio package at all while loading: only what the function itself needs.
      expect(loadOnly.modules.filter((file) => TWILIO_PACKAGE_FILE.test(file))).toEqual([]);

      const invoked = await probe({
        functionsDir: FUNCTIONS_DIR,
        load: name,
        invoke: {
          env: fixture.env(),
          event: event(),
          path: `/${name}`,
          domain: LOCAL_DOMAIN,
        },
      });
      // The invocation really ran (signature checked, token fetched, API called).
      expect(invoked.answer?.statusCode).toBe(200);
      expect(invoked.twilioEntryLoads).toEqual([]);
    }, 60_000);
  }

  it('RT1: a cold load loads no package beyond axios and what axios itself loads', async () => {
    // Anything else (an SDK, a JOSE library) would be paid by every container, whether or not
    // its invocation needs it: such a module is required where it is used, not at load.
    const axiosAlone = packagesOf(
      (await probe({ functionsDir: FUNCTIONS_DIR, load: 'axios' })).modules,
    );
    expect(axiosAlone).toContain('axios');
    for (const name of Object.keys(invocations)) {
      const loaded = packagesOf((await probe({ functionsDir: FUNCTIONS_DIR, load: name })).modules);
      expect({ name, beyondAxios: loaded.filter((pkg) => !axiosAlone.includes(pkg)) }).toEqual({
        name,
        beyondAxios: [],
      });
    }
  }, 60_000);

  it('RT1: the probe does see a function that imports the twilio package', async () => {
    const dir = mkdtempSync(join(jobDir, 'functions-'));
    writeFileSync(
      join(dir, 'naive.js'),
      // Resolved from the package, as a deployed function's dependencies are.
      `const { validateRequest } = require(${JSON.stringify(require.resolve('twilio'))});\n` +
        `exports.handler = (context, event, callback) => callback(null, { ok: !!validateRequest });\n`,
    );
    const naive = await probe({ functionsDir: dir, load: 'naive' });
    expect(naive.twilioEntryLoads).toHaveLength(1);
    expect(naive.modules.some((file) => TWILIO_PACKAGE_FILE.test(file))).toBe(true);
  });
});
