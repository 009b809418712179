// The DPoP variables (RFC 9449 sender-constrained tokens), validated at boot with the rest of
// the environment: AUTH0_DPOP_MODE, API_PUBLIC_URL and DPOP_NONCE_SECRET. Kept apart from
// env.validation.ts so the DPoP block reads as one unit.
import type { AppConfig, DpopMode } from './app-config.js';
import { configError, type Env, optional, secureUrl } from './env.validation.js';

const DPOP_MODES: readonly DpopMode[] = ['allowed', 'required', 'disabled'];

/** An HMAC key shorter than this is guessable enough to forge nonces offline. */
export const MIN_NONCE_SECRET_LENGTH = 32;

export function dpopConfig(
  env: Env,
): Required<Pick<AppConfig, 'dpopMode'>> & Pick<AppConfig, 'apiPublicUrl' | 'dpopNonceSecret'> {
  const mode = (optional(env, 'AUTH0_DPOP_MODE') ?? 'allowed').toLowerCase();
  if (!DPOP_MODES.includes(mode as DpopMode)) {
    throw configError('AUTH0_DPOP_MODE', `must be one of ${DPOP_MODES.join(', ')}`);
  }

  const publicRaw = optional(env, 'API_PUBLIC_URL');
  let apiPublicUrl: string | undefined;
  if (publicRaw !== undefined) {
    const url = secureUrl('API_PUBLIC_URL', publicRaw);
    // The proofs' htu is compared with this origin plus the request's own path: a path prefix
    // added by a proxy would never match, so it is refused here rather than at every request.
    if (url.pathname !== '/') {
      throw configError('API_PUBLIC_URL', 'must be a bare origin (scheme://host[:port])');
    }
    apiPublicUrl = url.origin;
  }

  const dpopNonceSecret = optional(env, 'DPOP_NONCE_SECRET');
  if (dpopNonceSecret !== undefined && dpopNonceSecret.length < MIN_NONCE_SECRET_LENGTH) {
    throw configError(
      'DPOP_NONCE_SECRET',
      `must be at least ${MIN_NONCE_SECRET_LENGTH} characters (e.g. openssl rand -base64 32)`,
    );
  }
  return { dpopMode: mode as DpopMode, apiPublicUrl, dpopNonceSecret };
}
