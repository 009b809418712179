// Builds RFC 6750 / RFC 9449 WWW-Authenticate values. Parameter values are quoted strings, so
// anything outside printable ASCII, and the quote and backslash themselves, is dropped rather
// than echoed: a reason must never let a caller inject header syntax.
import type { DpopMode } from '../config/app-config.js';

export const REALM = 'secure-api';

export type ChallengeParams = Record<string, string>;

function quoted(value: string): string {
  const safe = value.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '');
  return `"${safe}"`;
}

function params(list: string[], extra: ChallengeParams): string {
  for (const [name, value] of Object.entries(extra)) list.push(`${name}=${quoted(value)}`);
  return list.join(', ');
}

export function bearerChallenge(extra: ChallengeParams = {}): string {
  return `Bearer ${params([`realm=${quoted(REALM)}`], extra)}`;
}

/** The DPoP challenge of RFC 9449 §7.1: the accepted proof algorithms, then any error. */
export function dpopChallenge(algs: readonly string[], extra: ChallengeParams = {}): string {
  return `DPoP ${params([`algs=${quoted(algs.join(' '))}`], extra)}`;
}

/**
 * The challenges a refusal carries under a mode: `disabled` offers Bearer only, `required`
 * DPoP only, `allowed` both, the scheme the client used first and with the error parameters.
 */
export function challengeFor(
  mode: DpopMode,
  algs: readonly string[],
  scheme: 'Bearer' | 'DPoP',
  extra: ChallengeParams = {},
): string {
  if (mode === 'disabled') return bearerChallenge(extra);
  if (mode === 'required') return dpopChallenge(algs, extra);
  return scheme === 'DPoP'
    ? `${dpopChallenge(algs, extra)}, ${bearerChallenge()}`
    : `${bearerChallenge(extra)}, ${dpopChallenge(algs)}`;
}
