// The stock approach, as Auth0's NestJS quickstart writes it, on a bench-only route of the same
// app: a passport-jwt strategy named 'stock-jwt' whose key comes from jwks-rsa's
// passportJwtSecret (JWKS response cached by jwks-rsa, rate-limited, the key handed over as a
// PEM string that jsonwebtoken re-parses on every request), no cache of verified tokens, and
// @nestjs/passport's AuthGuard. The route is @Public() so that secure-api's own guard lets it
// through to AuthGuard('stock-jwt').
import {
  Controller,
  type DynamicModule,
  Get,
  Inject,
  Injectable,
  Module,
  Req,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Public } from '../../src/auth/public.decorator.js';
import type { VerifiedClaims } from '../../src/auth/verified-claims.js';

export const STOCK_ROUTE = '/bench/stock-secure';

const STOCK_OPTIONS = Symbol('STOCK_OPTIONS');

interface StockOptions {
  issuer: string;
  audience: string;
  jwksUri: string;
}

@Injectable()
class StockJwtStrategy extends PassportStrategy(Strategy, 'stock-jwt') {
  constructor(@Inject(STOCK_OPTIONS) options: StockOptions) {
    super({
      secretOrKeyProvider: passportJwtSecret({
        cache: true,
        rateLimit: true,
        jwksRequestsPerMinute: 5,
        jwksUri: options.jwksUri,
      }),
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      audience: options.audience,
      issuer: options.issuer,
      algorithms: ['RS256'],
    });
  }

  validate(payload: VerifiedClaims): VerifiedClaims {
    return payload;
  }
}

@Controller('bench')
class StockSecureController {
  @Get('stock-secure')
  @Public()
  @UseGuards(AuthGuard('stock-jwt'))
  whoAmI(@Req() request: { user: VerifiedClaims }): Record<string, unknown> {
    const { sub, azp, scope, aud, iss, exp } = request.user;
    return { sub, azp, scope, aud, iss, exp };
  }
}

@Module({})
export class StockJwtModule {
  static forRoot(options: StockOptions): DynamicModule {
    return {
      module: StockJwtModule,
      controllers: [StockSecureController],
      providers: [{ provide: STOCK_OPTIONS, useValue: options }, StockJwtStrategy],
    };
  }
}
