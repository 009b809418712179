// Optional encryption at rest of the cached token (AES-256-GCM, key from TOKEN_CACHE_KEY).
// With Sync ACLs off, any Sync client token of the service can read the cache document; with a
// key set, the document holds only ciphertext, and GCM authenticates it: the whole content (token,
// times, lease) is sealed together with the document's name as associated data, so any edit, or a
// ciphertext copied from another document, fails to open instead of being used.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;

export class TokenCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new TypeError('TokenCipher needs a 32-byte key');
  }

  encrypt(plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The plaintext, or undefined when the value is malformed, tampered or under another key. */
  decrypt(sealed: string, associatedData: string): string | undefined {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
    const [iv, tag, ciphertext] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !tag || !ciphertext || iv.length !== IV_BYTES || tag.length !== 16) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
