// `npm run sign -w local-stack -- /customer-lookup phone=+15005550001`: calls a protected
// function of the system started by `npm start`, signed with that run's Twilio auth token
// (read from the generated .local-stack/functions.env), and prints the answer.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { postSigned } from './signed-request';

const USAGE = [
  'Usage: npm run sign -w local-stack -- <function path> [name=value ...] [--unsigned | --wrong-signature]',
  '  e.g. npm run sign -w local-stack -- /customer-lookup phone=+15005550001',
  '       npm run sign -w local-stack -- /log-interaction customerId=cus_001 channel=voice summary="Asked about billing"',
].join('\n');

interface Manifest {
  urls: { functions: string };
  functionsEnvFile: string;
}

async function main(argv: string[]): Promise<number> {
  const path = argv.find((arg) => !arg.startsWith('--') && !arg.includes('='));
  if (path === undefined || argv.includes('--help')) {
    console.error(USAGE);
    return 2;
  }
  const params: Record<string, string> = {};
  for (const arg of argv.filter((a) => !a.startsWith('--') && a.includes('='))) {
    const at = arg.indexOf('=');
    params[arg.slice(0, at)] = arg.slice(at + 1);
  }
  const stateDir =
    process.env.LOCAL_STACK_DIR ?? join(resolve(__dirname, '..', '..', '..'), '.local-stack');
  let manifest: Manifest;
  let authToken: string | undefined;
  try {
    manifest = JSON.parse(readFileSync(join(stateDir, 'system.json'), 'utf8')) as Manifest;
    authToken = parseEnv(readFileSync(manifest.functionsEnvFile, 'utf8')).AUTH_TOKEN;
  } catch {
    console.error(`No running system found in ${stateDir}: start it first with \`npm start\`.`);
    return 1;
  }
  if (authToken === undefined) {
    console.error(`${manifest.functionsEnvFile} holds no AUTH_TOKEN: restart \`npm start\`.`);
    return 1;
  }
  const url = `${manifest.urls.functions}${path.startsWith('/') ? path : `/${path}`}`;
  const signature = argv.includes('--unsigned')
    ? 'none'
    : argv.includes('--wrong-signature')
      ? 'wrong'
      : 'valid';
  try {
    const response = await postSigned({ url, params, authToken, signature });
    console.log(`POST ${url} → ${response.status}`);
    console.log(
      typeof response.body === 'string' ? response.body : JSON.stringify(response.body, null, 2),
    );
    return response.status >= 200 && response.status < 300 ? 0 : 1;
  } catch (error) {
    console.error(
      `POST ${url} failed: ${error instanceof Error ? error.message : String(error)} (is \`npm start\` running?)`,
    );
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 1;
  },
);
