// Reads a private key from the text of an environment variable: a one-line JWK, or a PEM whose
// line breaks may be written as `\n` (a .env line and the Twilio Console hold one line). The
// result is a KeyObject; what the text held is never put in an error, only what was expected.
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The KeyObject in `text`, or null when it is neither a private JWK nor a PKCS#8 PEM key. */
export function parsePrivateKey(text: string): KeyObject | null {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      const jwk: unknown = JSON.parse(trimmed);
      if (typeof jwk !== 'object' || jwk === null || !('d' in jwk)) return null;
      return createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    }
    const pem = trimmed.replace(/\\n/g, '\n');
    if (!/^-----BEGIN PRIVATE KEY-----\s[\s\S]+\s-----END PRIVATE KEY-----$/.test(pem)) return null;
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // node:crypto's messages may quote parts of the input: they are dropped, not passed on.
    return null;
  }
}

/**
 * Memoises an import per container: the key text of a variable rarely changes, and parsing and
 * checking a key on every invocation would cost more than the request it signs.
 */
export function importOnce<T>(importer: (text: string) => T): (text: string) => T {
  let last: { text: string; value: T } | null = null;
  return (text: string): T => {
    if (last?.text !== text) last = { text, value: importer(text) };
    return last.value;
  };
}
