// Deployable as built: Twilio loads each deployed function on its own, from a path that has
// nothing to do with its source tree, and shared code is reachable only through
// Runtime.getFunctions(). This loads every built function from dist/ that way, in a plain Node
// process given only what the runtime provides, and runs the public ones.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { useFunctionFixture } from './support/function-fixture';
import { eventFor, LOCAL_DOMAIN } from './support/invoke';
import { recordingInteractionsAs } from './support/scripted-api';
import { signedEvent } from './support/signing';
import { startDpopApi } from './support/dpop-api';
import { AUDIENCE, CLIENT_ID, functionEnv } from './support/env';
import { dpopTestKey, rsaTestKey } from './support/test-keys';
import { startVerifyingAuth0 } from './support/verifying-auth0';

const run = promisify(execFile);
const PACKAGE_DIR = resolve(__dirname, '..');
const DIST_FUNCTIONS = join(PACKAGE_DIR, 'dist/functions');
const REPO_NODE_MODULES = resolve(PACKAGE_DIR, '../node_modules');

const fixture = useFunctionFixture({
  api: recordingInteractionsAs('int_42'),
  logs: 'none', // the functions run in child processes
});
let deployDir: string;
/** Function name (as Runtime.getFunctions() keys it) → its deployed file. */
const deployed: Record<string, string> = {};

function builtFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? builtFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

beforeAll(() => {
  if (!existsSync(DIST_FUNCTIONS))
    throw new Error('dist/ is missing: run `npm run build -w twilio-auth0-client`');
  deployDir = mkdtempSync(join(tmpdir(), 'deployed-functions-'));
  // Dependencies are installed next to the deployed functions, as Twilio does from package.json.
  symlinkSync(REPO_NODE_MODULES, join(deployDir, 'node_modules'), 'dir');
  for (const file of builtFiles(DIST_FUNCTIONS)) {
    const name = relative(DIST_FUNCTIONS, file).replace(/(\.private|\.protected)?\.js$/, '');
    const target = join(deployDir, `ZH${randomBytes(16).toString('hex')}.js`);
    copyFileSync(file, target);
    deployed[name] = target;
  }
});
afterAll(() => {
  if (deployDir) rmSync(deployDir, { recursive: true, force: true });
});

async function runDeployed(
  name: string,
  env: Record<string, string>,
  event: Record<string, unknown>,
) {
  const jobFile = join(deployDir, `job-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(
    jobFile,
    JSON.stringify({
      functions: deployed,
      run: name,
      env,
      event,
      path: `/${name.replace(/\.protected$/, '')}`,
      domain: LOCAL_DOMAIN,
      baseDir: deployDir,
    }),
  );
  const { stdout } = await run(
    process.execPath,
    [join(__dirname, 'support/run-deployed-function.js'), jobFile],
    {
      cwd: deployDir,
      env: { PATH: process.env.PATH },
      timeout: 30_000,
    },
  );
  const last = stdout.trim().split('\n').at(-1)!;
  return JSON.parse(last) as { calls: number; answer: { statusCode: number; body: string } };
}

it('builds every function and shared module, with no relative import between them', () => {
  expect(Object.keys(deployed).sort()).toEqual(
    expect.arrayContaining([
      'customer-lookup',
      'log-interaction',
      'test-api-call',
      'lib/token-cache',
      'lib/function-handler',
    ]),
  );
  for (const file of builtFiles(DIST_FUNCTIONS)) {
    expect({ file, source: readFileSync(file, 'utf8') }).not.toEqual(
      expect.objectContaining({ source: expect.stringMatching(/require\(["']\.\.?\//) }),
    );
  }
  expect(existsSync(join(PACKAGE_DIR, 'dist/assets'))).toBe(true);
});

it('runs each public function loaded on its own, from renamed files, with only the runtime globals', async () => {
  const env = fixture.env();
  const diagnosis = await runDeployed('test-api-call', env, eventFor());
  const lookup = await runDeployed(
    'customer-lookup',
    env,
    signedEvent('/customer-lookup', { phone: '+15005550001' }),
  );
  const interaction = await runDeployed(
    'log-interaction',
    env,
    signedEvent('/log-interaction', {
      customerId: 'cus_001',
      channel: 'sms',
      summary: 'Texted about delivery',
    }),
  );
  const unsigned = await runDeployed('customer-lookup', env, eventFor({ phone: '+15005550001' }));

  expect(diagnosis.calls).toBe(1);
  expect(diagnosis.answer.statusCode).toBe(200);
  expect(JSON.parse(diagnosis.answer.body)).toMatchObject({ ok: true, token: { source: 'auth0' } });
  expect(lookup.answer.statusCode).toBe(200);
  expect(JSON.parse(lookup.answer.body)).toEqual({ found: false, phone: '+15005550001' });
  expect(interaction.answer.statusCode).toBe(200);
  expect(JSON.parse(interaction.answer.body)).toMatchObject({
    recorded: true,
    interactionId: 'int_42',
  });
  expect(unsigned.answer.statusCode).toBe(403);
  // Each process started cold: the later ones found the token in Sync, not in memory.
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
}, 60_000);

it('runs deployed with a DPoP key and a Private Key JWT assertion key (each process cold)', async () => {
  const clientKey = rsaTestKey();
  const auth0 = await startVerifyingAuth0({
    clientId: CLIENT_ID,
    clientPublicKey: clientKey.publicKey,
    audience: AUDIENCE,
  });
  const api = await startDpopApi(auth0, AUDIENCE);
  try {
    const env = functionEnv(auth0, fixture.sync, api.url, {
      AUTH0_CLIENT_ASSERTION_KEY: clientKey.pemLine,
      DPOP_PRIVATE_KEY: dpopTestKey().jwkLine,
    });
    delete env.AUTH0_CLIENT_SECRET;
    const first = await runDeployed('test-api-call', env, eventFor());
    const second = await runDeployed('test-api-call', env, eventFor());

    expect([first.answer.statusCode, second.answer.statusCode]).toEqual([200, 200]);
    expect(JSON.parse(first.answer.body)).toMatchObject({
      token: { type: 'DPoP', source: 'auth0' },
    });
    expect(JSON.parse(second.answer.body)).toMatchObject({
      token: { type: 'DPoP', source: 'sync' },
    });
    expect(auth0.requests).toHaveLength(1);
    expect(api.calls.map((c) => c.status)).toEqual([200, 200]);
  } finally {
    await Promise.all([auth0.close(), api.close()]);
  }
}, 60_000);
