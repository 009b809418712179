import { describe, expect, it } from '@jest/globals';
import { DpopNonces, NONCE_SLOT_SECONDS } from './dpop-nonce.js';

const SECRET = 'a-nonce-secret-of-at-least-32-characters';
const SLOT_MS = NONCE_SLOT_SECONDS * 1000;

describe('DpopNonces', () => {
  it('AD37: accepts the current and the previous slot only', () => {
    let time = 1_000 * SLOT_MS + 10;
    const nonces = new DpopNonces(SECRET, () => time);
    const first = nonces.current();
    expect(nonces.accepts(first)).toBe(true);
    time += SLOT_MS;
    const second = nonces.current();
    expect(second).not.toBe(first);
    expect(nonces.accepts(first)).toBe(true);
    expect(nonces.accepts(second)).toBe(true);
    time += SLOT_MS;
    expect(nonces.accepts(first)).toBe(false);
    expect(nonces.accepts(undefined)).toBe(false);
  });

  it('AD38: replicas sharing the secret issue the same nonce; another secret does not match', () => {
    const time = 77 * SLOT_MS;
    const a = new DpopNonces(SECRET, () => time);
    const b = new DpopNonces(SECRET, () => time);
    const c = new DpopNonces(`${SECRET}-other`, () => time);
    expect(b.accepts(a.current())).toBe(true);
    expect(c.accepts(a.current())).toBe(false);
  });
});
