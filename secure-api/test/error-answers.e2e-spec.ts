// Error answers of statuses the API's own routes rarely produce (Nest's 403 from a guard that
// returns false, 429, 5xx), and @Authenticated() on a @Public() controller. Both need routes
// the app does not have, so a small Nest app is built here from the real pieces: the global
// exception filter, and the real AuthModule against a local JWKS server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BadGatewayException,
  type CanActivate,
  Controller,
  Get,
  HttpException,
  Module,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { AuthModule } from '../src/auth/auth.module.js';
import { Public } from '../src/auth/public.decorator.js';
import { Authenticated } from '../src/auth/require-scopes.decorator.js';
import { HttpExceptionFilter } from '../src/errors/http-exception.filter.js';
import type { JwksServer } from './support/jwks-server.js';
import { startKeySet } from './support/key-set.js';
import type { TestSigningKey } from './support/signing-keys.js';
import { AUDIENCE, mint } from './support/tokens.js';

class DenyAll implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Public()
@Controller('faults')
class FaultsController {
  @Get('unavailable')
  unavailable(): never {
    throw new ServiceUnavailableException('database pool exhausted at db-7');
  }

  @Get('rate-limited')
  rateLimited(): never {
    throw new HttpException('slow down, caller 42', 429);
  }

  @Get('bad-gateway')
  badGateway(): never {
    throw new BadGatewayException('upstream said: secret-ish detail');
  }

  @Get('teapot')
  teapot(): never {
    throw new HttpException('short and stout', 418);
  }

  @Get('denied')
  @UseGuards(DenyAll)
  denied(): string {
    return 'never';
  }

  @Get('bug')
  bug(): never {
    throw new TypeError('cannot read property of undefined at /srv/app.js');
  }

  @Get('open')
  open(): { ok: true } {
    return { ok: true };
  }

  @Get('closed')
  @Authenticated()
  closed(): { ok: true } {
    return { ok: true };
  }
}

let jwks: JwksServer;
let key: TestSigningKey;
let app: NestFastifyApplication;
let base: string;

beforeAll(async () => {
  ({ key, jwks } = await startKeySet());
  @Module({
    imports: [AuthModule.forRoot({ issuer: jwks.issuer, audience: AUDIENCE, jwksUri: jwks.uri })],
    controllers: [FaultsController],
  })
  class FaultsModule {}
  app = await NestFactory.create<NestFastifyApplication>(FaultsModule, new FastifyAdapter(), {
    logger: false,
  });
  app.useGlobalFilters(new HttpExceptionFilter());
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
  await jwks.stop();
});

describe('error answers', () => {
  it('AH1: a status without a code of its own keeps its status, with a generic code and no echo', async () => {
    const cases = [
      ['unavailable', 503, 'service_unavailable'],
      ['rate-limited', 429, 'too_many_requests'],
      ['bad-gateway', 502, 'server_error'],
      ['teapot', 418, 'client_error'],
      ['denied', 403, 'forbidden'],
      ['bug', 500, 'internal_error'],
    ] as const;
    for (const [path, status, code] of cases) {
      const response = await fetch(`${base}/faults/${path}`);
      const body = (await response.json()) as Record<string, unknown>;
      expect(`${path} ${response.status} ${String(body.error)}`).toBe(`${path} ${status} ${code}`);
      expect(body).toEqual({ statusCode: status, error: code, message: expect.any(String) });
      // The thrower's message can hold internals; the answer says only what the status means.
      for (const leak of ['db-7', 'caller 42', 'secret-ish', 'stout', '/srv/app.js'])
        expect(body.message).not.toContain(leak);
    }
  });
});

describe('@Authenticated()', () => {
  it('AH7: on a route of a @Public() controller it requires a valid token', async () => {
    expect((await fetch(`${base}/faults/open`)).status).toBe(200);
    const anonymous = await fetch(`${base}/faults/closed`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: string }).error).toBe('unauthorized');
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const token = await mint({ issuer: jwks.issuer, key });
    const forged = await fetch(`${base}/faults/closed`, {
      headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
    const authenticated = await fetch(`${base}/faults/closed`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(authenticated.status).toBe(200);
  });
});
