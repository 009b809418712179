import { describe, expect, it } from '@jest/globals';
import { SecureApiError } from '../errors/secure-api.error.js';
import { keysExpiredBefore, parseIdempotencyKey, requestFingerprint } from './idempotency-key.js';
import { depthExceeds } from './nesting-depth.interceptor.js';

describe('parseIdempotencyKey', () => {
  it('reads the bare and the quoted sf-string forms as the same key', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('CA123')).toBe('CA123');
    expect(parseIdempotencyKey('"CA123"')).toBe('CA123');
    expect(parseIdempotencyKey('"a\\"b\\\\c"')).toBe('a"b\\c');
  });

  it('DB22: refuses what is not 1 to 255 visible ASCII characters, with a 400 naming the header', () => {
    for (const bad of ['', '""', 'a b', '"a b"', 'é', 'x'.repeat(256), '"open', ['a', 'b']]) {
      let caught: unknown;
      try {
        parseIdempotencyKey(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SecureApiError);
      expect((caught as SecureApiError).status).toBe(400);
      expect(Object.keys((caught as SecureApiError).fields ?? {})).toEqual(['Idempotency-Key']);
    }
    expect(parseIdempotencyKey('x'.repeat(255))).toHaveLength(255);
  });
});

describe('requestFingerprint', () => {
  it('depends on the customer and every given field, not on their order', () => {
    const base = requestFingerprint('cus_001', { channel: 'voice', summary: 'a' });
    expect(requestFingerprint('cus_001', { summary: 'a', channel: 'voice' })).toBe(base);
    expect(
      requestFingerprint('cus_001', { channel: 'voice', summary: 'a', occurredAt: undefined }),
    ).toBe(base);
    expect(requestFingerprint('cus_002', { channel: 'voice', summary: 'a' })).not.toBe(base);
    expect(requestFingerprint('cus_001', { channel: 'sms', summary: 'a' })).not.toBe(base);
    expect(
      requestFingerprint('cus_001', {
        channel: 'voice',
        summary: 'a',
        occurredAt: '2025-01-01T00:00:00.000Z',
      }),
    ).not.toBe(base);
  });
});

describe('keysExpiredBefore', () => {
  it('is 24 hours before now', () => {
    expect(keysExpiredBefore(new Date('2025-01-02T10:00:00.000Z'))).toBe(
      '2025-01-01T10:00:00.000Z',
    );
  });
});

describe('depthExceeds', () => {
  it('DB23: measures nesting without recursion, arrays and objects alike', () => {
    expect(depthExceeds({ a: 'x' }, 1)).toBe(false);
    expect(depthExceeds({ a: { b: 1 } }, 1)).toBe(true);
    expect(depthExceeds(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 32)).toBe(true);
    expect(depthExceeds(JSON.parse(`${'['.repeat(32)}${']'.repeat(32)}`), 32)).toBe(false);
    expect(depthExceeds('text', 0)).toBe(false);
  });
});
