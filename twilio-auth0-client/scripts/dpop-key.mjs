// Prints a fresh DPoP key for the functions (`npm run dpop-key -w twilio-auth0-client`): an EC
// P-256 private key as the one-line JWK that DPOP_PRIVATE_KEY takes, and its RFC 7638 thumbprint
// (the `cnf.jkt` of the tokens bound to it). Paste the lines into .env or the service's
// environment variables; the key is made here and is nowhere else.
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = await exportJWK(privateKey);
const thumbprint = await calculateJwkThumbprint(await exportJWK(publicKey));

process.stdout.write(
  [
    `# DPoP key (EC P-256) made ${new Date().toISOString()}`,
    `# thumbprint (cnf.jkt of the tokens bound to it): ${thumbprint}`,
    `DPOP_PRIVATE_KEY=${JSON.stringify(jwk)}`,
    '',
  ].join('\n'),
);
