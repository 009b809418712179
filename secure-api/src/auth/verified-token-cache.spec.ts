import { describe, expect, it } from '@jest/globals';
import type { VerifiedClaims } from './verified-claims.js';
import { LOOKUP_KEY_CHARS, VerifiedTokenCache } from './verified-token-cache.js';

const T0 = 1_700_000_000_000;

function claims(expSeconds: number): VerifiedClaims {
  return { iss: 'https://t/', sub: 'c@clients', aud: 'api', exp: expSeconds };
}

function fakeClock(start = T0): { now: () => number; advance: (ms: number) => void } {
  let current = start;
  return { now: () => current, advance: (ms) => (current += ms) };
}

/** A cache of 10 entries and 10,000 token characters on the given clock. */
function smallCache(now: () => number = fakeClock().now): VerifiedTokenCache {
  return new VerifiedTokenCache({ maxEntries: 10, maxTotalTokenChars: 10_000, clock: now });
}

describe('VerifiedTokenCache', () => {
  it('returns claims only for the byte-for-byte same token', () => {
    const cache = smallCache();
    cache.set('aaa.bbb.ccc', claims(T0 / 1000 + 3600), T0 + 600_000);
    expect(cache.get('aaa.bbb.ccc')?.sub).toBe('c@clients');
    for (const near of [
      'aaa.bbb.ccC',
      'aaa.bbb.cc',
      'aaa.bbb.ccc ',
      ' aaa.bbb.ccc',
      'aaa.bbb.ccc=',
      'AAA.bbb.ccc',
    ]) {
      expect(cache.get(near)).toBeUndefined();
    }
  });

  it('tells apart tokens that end alike: a hit needs the whole token, one slot per ending', () => {
    const cache = smallCache();
    const ending = 'x'.repeat(LOOKUP_KEY_CHARS);
    const [first, second] = [`aaa.bbb.${ending}`, `aaa.bbc.${ending}`];
    cache.set(first, { ...claims(T0 / 1000 + 3600), sub: 'first' }, T0 + 600_000);
    expect(cache.get(second)).toBeUndefined();
    expect(cache.get(ending)).toBeUndefined();
    expect(cache.get(first)?.sub).toBe('first');
    cache.set(second, { ...claims(T0 / 1000 + 3600), sub: 'second' }, T0 + 600_000);
    expect(cache.get(second)?.sub).toBe('second');
    expect(cache.get(first)).toBeUndefined(); // its slot was taken: verified again next time
  });

  it.each([
    {
      limit: "the token's exp",
      expSeconds: T0 / 1000 + 60,
      keySetExpiresAt: T0 + 600_000,
      lifeMs: 60_000,
    },
    {
      limit: 'the cache age of the key set it was verified under',
      expSeconds: T0 / 1000 + 86_400,
      keySetExpiresAt: T0 + 600_000,
      lifeMs: 600_000,
    },
  ])('expires an entry at $limit', ({ expSeconds, keySetExpiresAt, lifeMs }) => {
    const clock = fakeClock();
    const cache = smallCache(clock.now);
    cache.set('t', claims(expSeconds), keySetExpiresAt);
    clock.advance(lifeMs - 1);
    expect(cache.get('t')).toBeDefined();
    clock.advance(1);
    expect(cache.get('t')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not store a token already past its exp or key-set age', () => {
    const cache = smallCache();
    cache.set('expired', claims(T0 / 1000 - 1), T0 + 600_000);
    cache.set('stale-keys', claims(T0 / 1000 + 3600), T0 - 1);
    expect(cache.size).toBe(0);
  });

  it('stays bounded by entry count, evicting the least recently used', () => {
    const cache = new VerifiedTokenCache({
      maxEntries: 100,
      maxTotalTokenChars: 1_000_000,
      clock: fakeClock().now,
    });
    for (let i = 0; i < 1000; i += 1)
      cache.set(`token-${i}`, claims(T0 / 1000 + 3600), T0 + 600_000);
    expect(cache.size).toBe(100);
    expect(cache.get('token-0')).toBeUndefined();
    expect(cache.get('token-999')).toBeDefined();
  });

  it('stays bounded by the total size of the cached tokens', () => {
    const cache = new VerifiedTokenCache({
      maxEntries: 1000,
      maxTotalTokenChars: 10_000,
      clock: fakeClock().now,
    });
    for (let i = 0; i < 100; i += 1)
      cache.set(`${i}-${'x'.repeat(1000)}`, claims(T0 / 1000 + 3600), T0 + 600_000);
    expect(cache.size).toBeLessThanOrEqual(10);
  });

  it('hands out frozen claims that a handler cannot alter for the next request', () => {
    const cache = smallCache();
    const stored = cache.set(
      't',
      { ...claims(T0 / 1000 + 3600), scope: 'read:customers' },
      T0 + 600_000,
    );
    const first = cache.get('t') as VerifiedClaims;
    // The verifying request gets the very object later requests get, frozen alike.
    expect(first).toBe(stored);
    expect(Object.isFrozen(stored)).toBe(true);
    expect(() => {
      first.scope = 'admin';
    }).toThrow(TypeError);
    expect(cache.get('t')?.scope).toBe('read:customers');
  });

  it('clear() drops everything (used when the key set changes)', () => {
    const cache = smallCache();
    cache.set('t', claims(T0 / 1000 + 3600), T0 + 600_000);
    cache.clear();
    expect(cache.get('t')).toBeUndefined();
  });
});
