// Prints a fresh key pair for Private Key JWT client authentication to Auth0
// (`npm run client-key -w twilio-auth0-client [-- --alg RS256|RS384|PS256] [-- --bits 2048]`).
// stdout: the .env lines (the private key as PKCS#8 PEM on one line, with `\n` for its line
// breaks, and the algorithm). stderr: the public key as PEM, to paste into the Auth0
// application's Credentials tab; Auth0 then shows the credential id for AUTH0_CLIENT_ASSERTION_KID.
import { parseArgs } from 'node:util';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';

const ALGS = ['RS256', 'RS384', 'PS256'];
const { values } = parseArgs({
  options: { alg: { type: 'string', default: 'RS256' }, bits: { type: 'string', default: '2048' } },
});
const bits = Number(values.bits);
if (!ALGS.includes(values.alg) || !Number.isInteger(bits) || bits < 2048 || bits > 8192) {
  process.stderr.write(`usage: client-key [--alg ${ALGS.join('|')}] [--bits 2048..8192]\n`);
  process.exit(2);
}

const { privateKey, publicKey } = await generateKeyPair(values.alg, {
  modulusLength: bits,
  extractable: true,
});
const privatePem = (await exportPKCS8(privateKey)).trim();

process.stdout.write(
  [
    `# Private Key JWT credential (RSA ${bits}, ${values.alg}) made ${new Date().toISOString()}`,
    `AUTH0_CLIENT_ASSERTION_KEY=${privatePem.replace(/\n/g, '\\n')}`,
    `AUTH0_CLIENT_ASSERTION_ALG=${values.alg}`,
    '# AUTH0_CLIENT_ASSERTION_KID=<the credential id Auth0 shows once the public key is added>',
    '',
  ].join('\n'),
);
process.stderr.write(
  `\nPublic key: add it in the Auth0 application's Credentials tab (${values.alg}):\n\n${(await exportSPKI(publicKey)).trim()}\n`,
);
