// DPoP material for the bench: one ES256 client key, an access token bound to it (signed with
// the bench's key, which the served key set holds), and a pool of distinct proofs made before
// any measured run (a proof per request: secure-api refuses a replayed one).
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

/** The host every DPoP request names (Host header and proofs' htu), whatever server it hits. */
export const BENCH_DPOP_HOST = 'bench.local';

export interface DpopClientKey {
  privateKey: KeyObject;
  publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  /** RFC 7638 thumbprint: the token's cnf.jkt. */
  jkt: string;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function createDpopClientKey(): DpopClientKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  const publicJwk = { kty: 'EC' as const, crv: 'P-256' as const, x: String(x), y: String(y) };
  const jkt = createHash('sha256')
    .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x: publicJwk.x, y: publicJwk.y }))
    .digest('base64url');
  return { privateKey, publicJwk, jkt };
}

/** `count` distinct ES256 proofs of GET http://bench.local{path} for `token`. */
export function makeProofPool(
  key: DpopClientKey,
  token: string,
  path: string,
  count: number,
): string[] {
  const header = b64url({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk });
  const ath = createHash('sha256').update(token).digest('base64url');
  const htu = `http://${BENCH_DPOP_HOST}${path}`;
  const iat = Math.floor(Date.now() / 1000);
  const proofs = new Array<string>(count);
  for (let i = 0; i < count; i += 1) {
    const input = `${header}.${b64url({ jti: randomUUID(), htm: 'GET', htu, iat, ath })}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: key.privateKey,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url');
    proofs[i] = `${input}.${signature}`;
  }
  return proofs;
}
