// Builds RFC 6750 WWW-Authenticate values. Parameter values are quoted strings, so anything
// outside printable ASCII, and the quote and backslash themselves, is dropped rather than
// echoed: a reason must never let a caller inject header syntax.

export const REALM = 'secure-api';

function quoted(value: string): string {
  const safe = value.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '');
  return `"${safe}"`;
}

export function bearerChallenge(params: Record<string, string> = {}): string {
  const parts = [`realm=${quoted(REALM)}`];
  for (const [name, value] of Object.entries(params)) parts.push(`${name}=${quoted(value)}`);
  return `Bearer ${parts.join(', ')}`;
}
