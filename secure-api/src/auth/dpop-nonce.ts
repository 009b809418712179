// Stateless server nonces (RFC 9449 §9): the nonce of a time slot is an HMAC of the slot
// number under DPOP_NONCE_SECRET, so every replica sharing the secret issues and accepts the
// same values with no shared store. The current and the previous slot are accepted, so a
// nonce handed out just before a slot ends stays usable for one more slot, and a proof
// replayed on another replica (whose replay cache has not seen it) is usable for at most
// two slots.
import { createHmac } from 'node:crypto';

/** Length of a slot: a nonce is accepted for 5 to 10 minutes after it was handed out. */
export const NONCE_SLOT_SECONDS = 300;

export class DpopNonces {
  private slot = Number.NaN;
  private currentNonce = '';
  private previousNonce = '';

  constructor(
    private readonly secret: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The nonce to hand out now (DPoP-Nonce header). */
  current(): string {
    this.roll();
    return this.currentNonce;
  }

  /** True when `nonce` is the current or the previous slot's. */
  accepts(nonce: string | undefined): boolean {
    if (nonce === undefined) return false;
    this.roll();
    return nonce === this.currentNonce || nonce === this.previousNonce;
  }

  private roll(): void {
    const slot = Math.floor(this.clock() / 1000 / NONCE_SLOT_SECONDS);
    if (slot === this.slot) return;
    this.currentNonce = this.nonceOf(slot);
    this.previousNonce = this.nonceOf(slot - 1);
    this.slot = slot;
  }

  private nonceOf(slot: number): string {
    return createHmac('sha256', this.secret).update(`dpop-nonce:${slot}`).digest('base64url');
  }
}
