// GET /secure: any valid token; echoes the verified caller so a client can check its setup.
import { Controller, Get, Req } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { verifiedCaller } from '../auth/current-user.decorator.js';
import type { AuthRequest } from '../auth/jwt.strategy.js';
import { Authenticated } from '../auth/require-scopes.decorator.js';

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
  // Takes the request rather than @CurrentUser(): a custom decorator's value passes through the
  // global ValidationPipe, which makes Nest resolve the handler's arguments asynchronously; a
  // plain @Req() is handed over as is (what that saves: the README's performance section).
  whoAmI(@Req() request: AuthRequest): CallerIdentity {
    const caller = verifiedCaller(request);
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
