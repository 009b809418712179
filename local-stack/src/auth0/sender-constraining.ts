// Auth0's "sender constraining" setting of an API (resource server): `none` ignores DPoP
// proofs and issues Bearer tokens, `allowed` binds a token when a proof comes with the
// request, `required` refuses a request without one.
import { LocalStackError } from '../shared/local-stack-error';

export type SenderConstraining = 'none' | 'allowed' | 'required';

export const SENDER_CONSTRAINING_POLICIES: readonly SenderConstraining[] = [
  'none',
  'allowed',
  'required',
];

export const DEFAULT_SENDER_CONSTRAINING: SenderConstraining = 'allowed';

/** Reads a policy given by name (an option or LOCAL_AUTH0_DPOP); `what` names the source. */
export function senderConstraining(value: string, what: string): SenderConstraining {
  const found = SENDER_CONSTRAINING_POLICIES.find((p) => p === value);
  if (found === undefined) {
    throw new LocalStackError('INVALID_OPTION', `${what} must be none, allowed or required`);
  }
  return found;
}
