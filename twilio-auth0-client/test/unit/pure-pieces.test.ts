// The small pure pieces, each against its edge cases: the deadline arithmetic, the token
// response check, the 429 reset, redaction, the cipher, the claims decoder, the parameters and
// the signature check.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Deadline } from '../../src/functions/lib/deadline.private';
import {
  rateLimitResetMs,
  validateTokenResponse,
} from '../../src/functions/lib/client-credentials-source.private';
import { redact, InvocationLog } from '../../src/functions/lib/invocation-log.private';
import { TokenCipher } from '../../src/functions/lib/token-cipher.private';
import { decodeClaims, tokenFingerprint } from '../../src/functions/lib/token-diagnosis.private';
import { readInteraction, readPhone } from '../../src/functions/lib/request-params.private';
import { refreshMarginMs } from '../../src/functions/lib/token-cache.private';
import {
  hasValidTwilioSignature,
  signedRequestOf,
} from '../../src/functions/lib/twilio-signature.private';
import { readServiceConfig } from '../../src/functions/lib/config.private';
import { FunctionError } from '../../src/functions/lib/errors.private';
import { signature } from '../support/signing';

describe('Deadline', () => {
  it('gives each call the smaller of its cap and what remains after the reserve', () => {
    let now = 1000;
    const deadline = new Deadline(8000, () => now);
    expect(deadline.timeoutFor('x', 3000)).toBe(3000);
    now += 6000; // 1850 left after the answer reserve
    expect(deadline.timeoutFor('x', 3000)).toBe(1850);
    expect(deadline.timeoutFor('x', 3000, 1000)).toBe(850);
    expect(() => deadline.timeoutFor('the token request', 3000, 1840)).toThrow(
      expect.objectContaining({
        code: 'DEADLINE_EXCEEDED',
        message: 'No time left for the token request',
      }),
    );
    now += 5000;
    expect(deadline.expired()).toBe(true);
    expect(deadline.reserve(3000, 0.4)).toBe(3000);
    expect(new Deadline(1000, () => 0).reserve(3000, 0.4)).toBe(400);
  });
});

describe('token endpoint response', () => {
  const good = { access_token: 'a.b.c', token_type: 'Bearer', expires_in: 86400 };
  it('accepts a well-formed response and computes the expiry', () => {
    expect(validateTokenResponse(good, 1000)).toEqual({
      accessToken: 'a.b.c',
      expiresAt: 86_401_000,
      fetchedAt: 1000,
      tokenType: 'Bearer',
      boundKey: null,
    });
    expect(validateTokenResponse({ ...good, token_type: 'bearer' }, 0).accessToken).toBe('a.b.c');
  });
  it('takes a DPoP token only when a DPoP key was configured, and records that key either way', () => {
    const dpop = { ...good, token_type: 'DPoP' };
    expect(validateTokenResponse(dpop, 0, 'jkt-1')).toMatchObject({
      tokenType: 'DPoP',
      boundKey: 'jkt-1',
    });
    expect(validateTokenResponse(good, 0, 'jkt-1')).toMatchObject({
      tokenType: 'Bearer',
      boundKey: 'jkt-1',
    });
    expect(() => validateTokenResponse(dpop, 0, null)).toThrow(
      expect.objectContaining({ code: 'TOKEN_RESPONSE_INVALID' }),
    );
  });
  it("takes the JWT's own exp when it comes before now + expires_in (issued before it arrived)", () => {
    const payload = Buffer.from(JSON.stringify({ exp: 110 })).toString('base64url');
    const token = `eyJhbGciOiJSUzI1NiJ9.${payload}.sig`;
    expect(
      validateTokenResponse({ ...good, access_token: token, expires_in: 10 }, 100_900).expiresAt,
    ).toBe(110_000);
    expect(() =>
      validateTokenResponse({ ...good, access_token: token, expires_in: 10 }, 111_000),
    ).toThrow(expect.objectContaining({ code: 'TOKEN_RESPONSE_INVALID' }));
  });
  it.each([
    ['not an object', 'nope'],
    ['no access_token', { ...good, access_token: undefined }],
    ['empty access_token', { ...good, access_token: '' }],
    ['whitespace in the token', { ...good, access_token: 'a b' }],
    ['other token_type', { ...good, token_type: 'MAC' }],
    ['expires_in missing', { ...good, expires_in: undefined }],
    ['expires_in a string', { ...good, expires_in: '86400' }],
    ['expires_in zero', { ...good, expires_in: 0 }],
    ['expires_in beyond 30 days', { ...good, expires_in: 2_592_001 }],
    ['expires_in NaN', { ...good, expires_in: Number.NaN }],
  ])('rejects %s', (_label, body) => {
    expect(() => validateTokenResponse(body)).toThrow(
      expect.objectContaining({ code: 'TOKEN_RESPONSE_INVALID' }),
    );
  });
});

describe('rate-limit reset', () => {
  it('reads x-ratelimit-reset (UNIX seconds), then Retry-After (seconds or a date)', () => {
    expect(rateLimitResetMs({ 'x-ratelimit-reset': '1002' }, 1_000_000)).toBe(2000);
    expect(rateLimitResetMs({ 'x-ratelimit-reset': '999' }, 1_000_000)).toBe(0);
    expect(rateLimitResetMs({ 'retry-after': '3' }, 0)).toBe(3000);
    expect(rateLimitResetMs({ 'retry-after': new Date(5000).toUTCString() }, 1000)).toBe(4000);
    expect(rateLimitResetMs({}, 0)).toBeNull();
    expect(rateLimitResetMs({ 'retry-after': 'soon' }, 0)).toBeNull();
  });
});

describe('redaction', () => {
  it('removes registered secrets, JWT-shaped strings and Authorization values', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const text = `secret=hunter22 token ${jwt} header Bearer abc.def Basic QUM6dG9rZW4=`;
    const clean = redact(text, ['hunter22', 'abc']);
    expect(clean).not.toMatch(/hunter22|eyJ|abc\.def|QUM6/);
    expect(clean).toContain('[redacted]');
  });
  it('removes a token-sized DPoP credential, and leaves prose about DPoP alone', () => {
    const opaque = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0';
    expect(redact(`Authorization: DPoP ${opaque}`, [])).toBe('Authorization: DPoP [redacted]');
    expect(redact('A DPoP proof is required', [])).toBe('A DPoP proof is required');
  });
  it('writes one line per invocation, once', () => {
    const lines: string[] = [];
    const log = new InvocationLog('fn', (line) => lines.push(line));
    log.addSecret('s3cr3t-value');
    log.set('note', 'contains s3cr3t-value');
    log.event('sync_unavailable');
    log.finish({ status: 200, totalMs: 12 });
    log.finish({ status: 500, code: 'X', totalMs: 13 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      fn: 'fn',
      outcome: 'ok',
      status: 200,
      note: 'contains [redacted]',
      events: ['sync_unavailable'],
      timings: { totalMs: 12 },
    });
  });
});

describe('TokenCipher', () => {
  it('round-trips, and refuses tampering, another key and another document', () => {
    const cipher = new TokenCipher(randomBytes(32));
    const sealed = cipher.encrypt('the-token', 'doc|aud|2026');
    expect(sealed).not.toContain('the-token');
    expect(cipher.decrypt(sealed, 'doc|aud|2026')).toBe('the-token');
    expect(cipher.decrypt(sealed, 'other-doc|aud|2026')).toBeUndefined();
    expect(new TokenCipher(randomBytes(32)).decrypt(sealed, 'doc|aud|2026')).toBeUndefined();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('forged').toString('base64url');
    expect(cipher.decrypt(parts.join('.'), 'doc|aud|2026')).toBeUndefined();
    expect(cipher.decrypt('garbage', 'doc|aud|2026')).toBeUndefined();
  });
});

describe('token diagnosis', () => {
  it('decodes claims without verifying, and fingerprints without revealing', () => {
    const payload = Buffer.from(
      JSON.stringify({
        iss: 'https://t/',
        aud: ['a', 'b'],
        azp: 'c',
        scope: 's',
        sub: 'c@clients',
      }),
    ).toString('base64url');
    const token = `eyJhbGciOiJSUzI1NiJ9.${payload}.sig`;
    expect(decodeClaims(token)).toEqual({
      iss: 'https://t/',
      aud: ['a', 'b'],
      azp: 'c',
      scope: 's',
      sub: 'c@clients',
    });
    expect(decodeClaims('not-a-jwt')).toEqual({
      iss: null,
      aud: null,
      azp: null,
      scope: null,
      sub: null,
    });
    expect(tokenFingerprint(token)).toBe(
      `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`,
    );
  });
});

describe('refresh margin', () => {
  const BEARER = { accessToken: 'x', tokenType: 'Bearer', boundKey: null } as const;
  it('is 10 % of the lifetime, at most 5 minutes', () => {
    expect(refreshMarginMs({ ...BEARER, fetchedAt: 0, expiresAt: 10_000 })).toBe(1000);
    expect(refreshMarginMs({ ...BEARER, fetchedAt: 0, expiresAt: 86_400_000 })).toBe(300_000);
  });
});

describe('parameters', () => {
  it('reads an E.164 phone and an interaction, trimming', () => {
    expect(readPhone({ phone: ' +447700900003 ' })).toBe('+447700900003');
    expect(
      readInteraction({
        customerId: 'cus_001',
        channel: 'chat',
        summary: ' hi ',
        occurredAt: '2026-01-02T03:04:05Z',
      }),
    ).toEqual({
      customerId: 'cus_001',
      channel: 'chat',
      summary: 'hi',
      occurredAt: '2026-01-02T03:04:05Z',
    });
  });
  it('names the field it refuses', () => {
    expect(() => readPhone({ phone: 'call me' })).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', details: { field: 'phone' } }),
    );
    expect(() => readInteraction({ customerId: 'cus_1', channel: 'pigeon', summary: 'x' })).toThrow(
      expect.objectContaining({ details: { field: 'channel' } }),
    );
  });
  it('reads idempotencyKey as given (an empty one is no key), and allows only the runtime fields besides', () => {
    const base = { customerId: 'cus_001', channel: 'voice', summary: 'x' };
    expect(readInteraction({ ...base, idempotencyKey: 'CA1"\\' }).idempotencyKey).toBe('CA1"\\');
    expect(readInteraction({ ...base, idempotencyKey: '' }).idempotencyKey).toBeUndefined();
    expect(
      readInteraction({ ...base, request: { headers: {}, cookies: {} }, bodySHA256: 'ab' }),
    ).toMatchObject(base);
    expect(() => readInteraction({ ...base, CallSid: 'CA1', AccountSid: 'AC1' })).toThrow(
      expect.objectContaining({
        message: 'Unknown parameter(s): "CallSid", "AccountSid"',
        details: { field: 'CallSid,AccountSid' },
      }),
    );
    expect(() => readPhone({ phone: '+15005550001', phone2: '+1' })).toThrow(
      expect.objectContaining({ details: { field: 'phone2' } }),
    );
  });
});

describe('Twilio signature', () => {
  const authToken = '12345678901234567890123456789012';
  const params = { phone: '+15005550001', CallSid: 'CA123' };
  it('accepts the signature of the URL the caller reached, over http on loopback and https elsewhere', () => {
    for (const [host, scheme] of [
      ['localhost:3000', 'http'],
      ['example-1234-dev.twil.io', 'https'],
    ] as const) {
      const url = `${scheme}://${host}/customer-lookup`;
      const event = {
        request: { headers: { host, 'x-twilio-signature': signature(url, params, authToken) } },
        ...params,
      };
      expect(
        hasValidTwilioSignature(
          authToken,
          signedRequestOf({ DOMAIN_NAME: host, PATH: '/customer-lookup' }, event),
        ),
      ).toBe(true);
      expect(
        hasValidTwilioSignature(
          '0'.repeat(32),
          signedRequestOf({ DOMAIN_NAME: host, PATH: '/customer-lookup' }, event),
        ),
      ).toBe(false);
    }
  });
  it('refuses a missing header', () => {
    const event = { request: { headers: { host: 'localhost:3000' } }, ...params };
    expect(hasValidTwilioSignature(authToken, signedRequestOf({ PATH: '/x' }, event))).toBe(false);
  });
});

describe('configuration', () => {
  it('names the variable and keeps its value out of the message', () => {
    try {
      readServiceConfig({ ACCOUNT_SID: 'ACnot-valid-XYZ' });
      throw new Error('expected CONFIG_INVALID');
    } catch (error) {
      expect(error).toBeInstanceOf(FunctionError);
      expect((error as FunctionError).message).toContain('ACCOUNT_SID');
      expect((error as FunctionError).message).not.toContain('XYZ');
    }
  });
});
