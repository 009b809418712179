// The passport-jwt strategy: strict token shape first (compact-jwt), then the signing key
// from the SigningKeyStore handed over as a parsed KeyObject, then jsonwebtoken's checks of
// signature (RS256 only), iss, aud, exp and nbf, then the claim checks jsonwebtoken omits.
// Each strategy has its own Passport instance so that two apps in one process (tests, a
// benchmark comparing variants) never share the global passport registry.
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Passport } from 'passport';
import { Strategy } from 'passport-jwt';
import { AUTH_OPTIONS, type AuthOptions } from './auth-options.js';
import { parseJwsHeader } from './compact-jwt.js';
import { type SigningKeyLookup, SigningKeyStore } from './signing-key-store.js';
import { CLOCK_TOLERANCE_SECONDS, checkClaims, type VerifiedClaims } from './verified-claims.js';

/** Request properties the guard and the strategy share. */
export const BEARER_TOKEN = Symbol('bearerToken');
export const KEY_SET_FETCHED_AT = Symbol('keySetFetchedAt');
/** Set to 'DPoP' on requests authenticated with the DPoP scheme (unset means Bearer). */
export const AUTH_SCHEME = Symbol('authScheme');

export interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  /** The request target as received (path and query). */
  url?: string;
  /** Node's request: rawHeaders to count duplicates, the socket for the scheme. */
  raw?: { rawHeaders: string[]; socket?: { encrypted?: boolean } };
  user?: Readonly<VerifiedClaims>;
  [BEARER_TOKEN]?: string;
  [KEY_SET_FETCHED_AT]?: number;
  [AUTH_SCHEME]?: 'DPoP';
}

const passports = new WeakMap<object, InstanceType<typeof Passport>>();

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(AUTH_OPTIONS) options: AuthOptions, keys: SigningKeyStore) {
    super({
      // The guard has already parsed the Authorization header strictly.
      jwtFromRequest: (request: AuthRequest) => request[BEARER_TOKEN] ?? null,
      secretOrKeyProvider: (
        request: AuthRequest,
        rawToken: string,
        done: (err: unknown, key?: string | Buffer) => void,
      ) => {
        let kid: string;
        try {
          kid = parseJwsHeader(rawToken).kid;
        } catch (error) {
          done(error);
          return;
        }
        const handOver = ({ key, fetchedAt }: SigningKeyLookup): void => {
          request[KEY_SET_FETCHED_AT] = fetchedAt;
          // jsonwebtoken 9 accepts a KeyObject; @types/passport-jwt only lists string | Buffer.
          done(null, key as unknown as Buffer);
        };
        // A fresh cached key is handed over in the same tick; only fetches go async.
        const fresh = keys.freshKey(kid);
        if (fresh) handOver(fresh);
        else keys.getKey(kid).then(handOver, (error: unknown) => done(error));
      },
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ['RS256'],
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
    });
  }

  validate(payload: unknown): VerifiedClaims {
    return checkClaims(payload, Math.floor(Date.now() / 1000));
  }

  /** Called by the PassportStrategy mixin while constructing: registers 'jwt' on our own instance. */
  getPassportInstance(): InstanceType<typeof Passport> {
    let instance = passports.get(this);
    if (!instance) {
      instance = new Passport();
      passports.set(this, instance);
    }
    return instance;
  }
}
