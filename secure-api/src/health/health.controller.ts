// Public liveness and readiness. Ready = signing keys cached (or fetchable now) and the
// database answering; load balancers and the local launcher poll it.
import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
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
import { DATABASE } from '../database/database.module.js';
import type { SqliteDatabase } from '../database/database.js';

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
  private readonly probe;

  constructor(
    private readonly keys: SigningKeyStore,
    @Inject(DATABASE) private readonly db: SqliteDatabase,
  ) {
    // Prepared once at start-up rather than on every readiness poll.
    this.probe = db.prepare('SELECT 1 AS ok');
  }

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
    const checks = {
      signingKeys: (await this.signingKeysReady()) ? 'ok' : 'unavailable',
      database: this.databaseReady() ? 'ok' : 'unavailable',
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

  private databaseReady(): boolean {
    try {
      return this.db.open && this.probe.get() !== undefined;
    } catch {
      return false;
    }
  }
}
