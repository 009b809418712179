// The one-time-id cache behind DPoP proof and client assertion replay checks: an id is
// refused while it lives, accepted again once expired, and a full cache refuses new ids
// rather than forgetting a live one that could then be replayed.
import { describe, expect, it } from '@jest/globals';
import { SeenIds } from '../src/auth0/seen-ids';

describe('SeenIds', () => {
  it('SA55: refuses an id until it expires; when full of live ids, refuses new ones', () => {
    const seen = new SeenIds(2);
    const now = 1_000_000;
    expect(seen.remember('a', now + 100, now)).toBe(true);
    expect(seen.remember('a', now + 100, now + 50)).toBe(false);
    expect(seen.remember('a', now + 300, now + 100)).toBe(true); // expired, then new
    expect(seen.remember('b', now + 300, now + 100)).toBe(true);
    expect(seen.remember('c', now + 300, now + 100)).toBe(false); // full of live ids
    expect(seen.remember('a', now + 400, now + 150)).toBe(false); // still remembered
    expect(seen.remember('c', now + 500, now + 300)).toBe(true); // a and b expired
  });
});
