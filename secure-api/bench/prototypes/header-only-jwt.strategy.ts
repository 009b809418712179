// PROTOTYPE (bench only): src/auth/jwt.strategy.ts with parseJwsHeaderOnly in place of
// parseJwsHeader, everything else identical, registered on its own Passport instance.
import { PassportStrategy } from '@nestjs/passport';
import { Passport } from 'passport';
import { Strategy } from 'passport-jwt';
import type { AuthOptions } from '../../src/auth/auth-options.js';
import { type AuthRequest, BEARER_TOKEN, KEY_SET_FETCHED_AT } from '../../src/auth/jwt.strategy.js';
import type { SigningKeyStore } from '../../src/auth/signing-key-store.js';
import {
  CLOCK_TOLERANCE_SECONDS,
  checkClaims,
  type VerifiedClaims,
} from '../../src/auth/verified-claims.js';
import { parseJwsHeaderOnly } from './compact-jwt-header-only.js';

const passports = new WeakMap<object, InstanceType<typeof Passport>>();

export class HeaderOnlyJwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(options: AuthOptions, keys: SigningKeyStore) {
    super({
      jwtFromRequest: (request: AuthRequest) => request[BEARER_TOKEN] ?? null,
      secretOrKeyProvider: (
        request: AuthRequest,
        rawToken: string,
        done: (err: unknown, key?: string | Buffer) => void,
      ) => {
        let kid: string;
        try {
          kid = parseJwsHeaderOnly(rawToken).kid;
        } catch (error) {
          done(error);
          return;
        }
        keys.getKey(kid).then(
          ({ key, fetchedAt }) => {
            request[KEY_SET_FETCHED_AT] = fetchedAt;
            done(null, key as unknown as Buffer);
          },
          (error: unknown) => done(error),
        );
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

  getPassportInstance(): InstanceType<typeof Passport> {
    let instance = passports.get(this);
    if (!instance) {
      instance = new Passport();
      passports.set(this, instance);
    }
    return instance;
  }
}
