// GET /secure: any valid token; echoes the verified caller so a client can check its setup.
import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Authenticated } from '../auth/require-scopes.decorator.js';
import type { VerifiedClaims } from '../auth/verified-claims.js';

export class CallerIdentity {
  @ApiProperty({ example: 'local-m2m-client@clients' })
  sub: string;
  @ApiPropertyOptional({ example: 'local-m2m-client' })
  azp?: string;
  @ApiPropertyOptional({ example: 'read:customers write:interactions' })
  scope?: string;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  aud: string | string[];
  @ApiProperty({ example: 'https://tenant.us.auth0.com/' })
  iss: string;
  @ApiProperty({ description: 'Expiry, seconds since the epoch' })
  exp: number;
}

@ApiTags('secure')
@Controller('secure')
export class SecureController {
  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'Echo the verified caller (any valid token)' })
  @ApiOkResponse({ type: CallerIdentity })
  whoAmI(@CurrentUser() caller: VerifiedClaims): CallerIdentity {
    return {
      sub: caller.sub,
      azp: caller.azp,
      scope: caller.scope,
      aud: caller.aud,
      iss: caller.iss,
      exp: caller.exp,
    };
  }
}
