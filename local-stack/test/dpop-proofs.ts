// Test helper: DPoP proofs (RFC 9449 §4.2) for the token endpoint, signed with jose, and
// the raw pieces to build broken ones (a proof is header.payload.signature, base64url).
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { type HttpAnswer } from './auth0-requests';

export interface ProofKey {
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

export async function proofKey(alg = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    alg,
    privateKey,
    publicJwk: await exportJWK(publicKey),
    privateJwk: await exportJWK(privateKey),
  };
}

export interface ProofShape {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

/** A proof for POST `htu`, valid unless `shape` overrides a member (undefined removes it). */
export async function proof(key: ProofKey, htu: string, shape: ProofShape = {}): Promise<string> {
  const header = { typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...shape.header };
  const claims = {
    htm: 'POST',
    htu,
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    ...shape.claims,
  };
  return new SignJWT(dropUndefined(claims))
    .setProtectedHeader(dropUndefined(header) as { alg: string })
    .sign(key.privateKey);
}

export function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** POST with a JSON body and any number of DPoP header lines (fetch would merge them). */
export function postWithProofs(url: string, body: unknown, proofs: string[]): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(text)),
          ...(proofs.length === 0 ? {} : { DPoP: proofs }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers,
            body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
          });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}
