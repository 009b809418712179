// Looks for secrets in everything the run printed or answered: every value of the generated
// functions environment whose name says it is secret (client secret, Twilio auth token, the
// token cache key, a DPoP private key when there is one), plus anything shaped like a JWT or a
// PEM private key. Reports where and what kind, never the value itself.
import { readFileSync } from 'node:fs';

const SECRET_NAME = /SECRET|AUTH_TOKEN|_KEY$|PRIVATE|PASSWORD/;
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{10,}/;
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
/** Shorter values would match ordinary text. */
const MIN_SECRET_LENGTH = 8;

export interface NamedSecret {
  name: string;
  value: string;
}

/** The secret values of a `NAME=value` file (the launcher's generated functions env). */
export function secretsOfEnvFile(path: string): NamedSecret[] {
  const secrets: NamedSecret[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match || !SECRET_NAME.test(match[1]!)) continue;
    const value = match[2]!;
    if (value.length >= MIN_SECRET_LENGTH) secrets.push({ name: match[1]!, value });
    // A JWK private key: its `d` member is the secret part, wherever it is printed.
    if (value.startsWith('{')) {
      try {
        const d = (JSON.parse(value) as { d?: unknown }).d;
        if (typeof d === 'string' && d.length >= MIN_SECRET_LENGTH) {
          secrets.push({ name: `${match[1]!}.d`, value: d });
        }
      } catch {
        // Not JSON: the whole value is searched for already.
      }
    }
  }
  return secrets;
}

export class SecretScanner {
  private readonly found = new Set<string>();

  constructor(private readonly secrets: readonly NamedSecret[]) {}

  scan(where: string, text: string): void {
    for (const secret of this.secrets) {
      if (text.includes(secret.value)) this.found.add(`${where}: ${secret.name}`);
    }
    if (JWT.test(text)) this.found.add(`${where}: a JWT`);
    if (PEM_PRIVATE.test(text)) this.found.add(`${where}: a PEM private key`);
  }

  results(): string[] {
    return [...this.found].sort();
  }
}
