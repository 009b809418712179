// Public liveness and readiness. Ready = signing keys cached (or fetchable now) and the
// database answering (checks.database names it); load balancers and the local launcher
// poll it. Liveness never touches the database: a database outage is not a reason to restart.
import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator.js';
import { SigningKeyStore } from '../auth/signing-key-store.js';
import { CustomersRepository } from '../customers/customers.repository.js';

export class Liveness {
  @ApiProperty({ example: 'ok' })
  status: 'ok';
}

export class Readiness {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status: 'ok' | 'unavailable';
  @ApiProperty({ example: { signingKeys: 'ok', database: 'ok' } })
  checks: { signingKeys: 'ok' | 'unavailable'; database: 'ok' | 'unavailable' };
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly keys: SigningKeyStore,
    private readonly database: CustomersRepository,
  ) {}

  @Get()
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness' })
  @ApiOkResponse({ type: Liveness })
  live(): Liveness {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: signing keys cached or reachable, database open' })
  @ApiOkResponse({ type: Readiness })
  @ApiServiceUnavailableResponse({ type: Readiness })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const [keysReady, databaseReady] = await Promise.all([
      this.signingKeysReady(),
      this.databaseReady(),
    ]);
    const checks = {
      signingKeys: keysReady ? 'ok' : 'unavailable',
      database: databaseReady ? 'ok' : 'unavailable',
    } as const;
    const ok = checks.signingKeys === 'ok' && checks.database === 'ok';
    void reply.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }

  private async signingKeysReady(): Promise<boolean> {
    if (this.keys.hasUsableKeys()) return true;
    try {
      await this.keys.refresh();
      return this.keys.hasUsableKeys();
    } catch {
      return false;
    }
  }

  private async databaseReady(): Promise<boolean> {
    try {
      await this.database.ping();
      return true;
    } catch {
      return false;
    }
  }
}
