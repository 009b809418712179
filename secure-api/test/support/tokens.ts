// Mints access tokens shaped like Auth0's M2M tokens (RS256, kid, iss with trailing slash,
// sub `{client}@clients`, azp, gty, scope, iat, exp), plus raw helpers for hostile tokens.
import { SignJWT } from 'jose';
import { createHmac, createSign, type KeyObject } from 'node:crypto';
import type { TestSigningKey } from './signing-keys.js';

export const CLIENT_ID = 'test-m2m-client';
export const AUDIENCE = 'https://secure-api.test';

export interface MintOptions {
  issuer: string;
  key: TestSigningKey;
  claims?: Record<string, unknown>;
  /** Claims to remove from the defaults. */
  omit?: string[];
  header?: Record<string, unknown>;
}

export function now(): number {
  return Math.floor(Date.now() / 1000);
}

export function defaultClaims(issuer: string): Record<string, unknown> {
  const iat = now();
  return {
    iss: issuer,
    sub: `${CLIENT_ID}@clients`,
    aud: AUDIENCE,
    azp: CLIENT_ID,
    gty: 'client-credentials',
    scope: 'read:customers write:interactions',
    iat,
    exp: iat + 3600,
  };
}

export async function mint(options: MintOptions): Promise<string> {
  const payload: Record<string, unknown> = { ...defaultClaims(options.issuer), ...options.claims };
  for (const name of options.omit ?? []) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.key.kid, ...options.header })
    .sign(options.key.privateKey);
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/** Signs arbitrary header/payload JSON with RS256, bypassing jose's own checks. */
export function signRaw(header: unknown, payload: unknown, privateKey: KeyObject): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url');
  return `${input}.${signature}`;
}

export function signHs256(header: unknown, payload: unknown, secret: string | Buffer): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
