// The demo business API Studio flows call: look a caller up by phone number, read and
// record their interactions. Each route is guarded by a scope. Recording is idempotent when
// the caller sends an Idempotency-Key (idempotency-key.ts).
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import type { VerifiedClaims } from '../auth/verified-claims.js';
import { ErrorBody } from '../errors/error-body.dto.js';
import { SecureApiError } from '../errors/secure-api.error.js';
import { CustomersRepository } from './customers.repository.js';
import { CreateInteractionDto } from './dto/create-interaction.dto.js';
import { CustomerLookupQuery } from './dto/customer-lookup.query.js';
import { Customer, Interaction, InteractionList } from './dto/customer.dto.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  keysExpiredBefore,
  parseIdempotencyKey,
  requestFingerprint,
} from './idempotency-key.js';
import { NestingDepthLimit } from './nesting-depth.interceptor.js';

const CUSTOMER_ID = /^cus_[A-Za-z0-9_]{1,40}$/;

const DATABASE_UNAVAILABLE = {
  description: 'database_unavailable: the database cannot be reached or failed (Retry-After)',
  type: ErrorBody,
} as const;

function customerNotFound(): SecureApiError {
  return new SecureApiError('customer_not_found', 'No customer matches', { status: 404 });
}

function idempotencyKeyReused(): SecureApiError {
  return new SecureApiError(
    'idempotency_key_reused',
    'This Idempotency-Key was already used with another request body',
    { status: 422 },
  );
}

/** The client id that recorded it: `azp` when it is a non-empty string, else `sub`. */
function recorderOf(caller: VerifiedClaims): string {
  return typeof caller.azp === 'string' && caller.azp !== '' ? caller.azp : caller.sub;
}

@ApiTags('customers')
@Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersRepository) {}

  @Get()
  @RequireScopes('read:customers')
  @ApiOperation({ summary: 'Find the customer with a phone number' })
  @ApiOkResponse({ type: Customer })
  @ApiBadRequestResponse({ description: 'phone missing or not E.164', type: ErrorBody })
  @ApiNotFoundResponse({ description: 'customer_not_found', type: ErrorBody })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  async findByPhone(@Query() query: CustomerLookupQuery): Promise<Customer> {
    const customer = await this.customers.findByPhone(query.phone);
    if (!customer) throw customerNotFound();
    return customer;
  }

  @Get(':id/interactions')
  @RequireScopes('read:customers')
  @ApiOperation({ summary: "List a customer's latest interactions (newest first, at most 100)" })
  @ApiParam({ name: 'id', example: 'cus_001' })
  @ApiOkResponse({ type: InteractionList })
  @ApiNotFoundResponse({ description: 'customer_not_found', type: ErrorBody })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  async listInteractions(@Param('id') id: string): Promise<InteractionList> {
    await this.requireCustomer(id);
    return { items: await this.customers.listInteractions(id) };
  }

  @Post(':id/interactions')
  @HttpCode(201)
  @RequireScopes('write:interactions')
  @NestingDepthLimit()
  @ApiOperation({
    summary: 'Record an interaction (a call, a message) with a customer',
    description:
      'With an `Idempotency-Key`, the interaction is stored once per key and caller (the ' +
      "token's `sub`) for at least 24 hours: a retry with the same body answers the original " +
      'record, 201, with `Idempotent-Replayed: true`, including when the duplicates arrive ' +
      'at the same time on different replicas; the same key with another body is refused ' +
      'with 422 `idempotency_key_reused`. Without the header every request stores a new ' +
      'interaction.',
  })
  @ApiParam({ name: 'id', example: 'cus_001' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      '1 to 255 visible ASCII characters, bare or as a quoted structured-field string ' +
      '(draft-ietf-httpapi-idempotency-key-header); e.g. the call SID',
    schema: { type: 'string', example: 'CA0123456789abcdef0123456789abcdef' },
  })
  @ApiCreatedResponse({
    type: Interaction,
    description: 'Stored, or the original record of this Idempotency-Key',
    headers: {
      'Idempotent-Replayed': {
        description:
          '`true` when this is the stored answer of an earlier request with the same key; ' +
          '`false` when a key was sent and this request stored the interaction',
        schema: { type: 'string', enum: ['true', 'false'] },
      },
    },
  })
  @ApiBadRequestResponse({
    description: 'validation_failed, naming each bad field (or Idempotency-Key)',
    type: ErrorBody,
  })
  @ApiNotFoundResponse({ description: 'customer_not_found', type: ErrorBody })
  @ApiUnsupportedMediaTypeResponse({
    description: 'unsupported_media_type: the body is not application/json in UTF-8',
    type: ErrorBody,
  })
  @ApiUnprocessableEntityResponse({
    description: 'idempotency_key_reused: the key was used with another customer or body',
    type: ErrorBody,
  })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  async addInteraction(
    @Param('id') id: string,
    @Body() body: CreateInteractionDto,
    @CurrentUser() caller: VerifiedClaims,
    @Headers(IDEMPOTENCY_KEY_HEADER) keyHeader: string | string[] | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Interaction> {
    const key = parseIdempotencyKey(keyHeader);
    await this.requireCustomer(id);
    const occurredAt = new Date(body.occurredAt ?? Date.now()).toISOString();
    const result = await this.customers.addInteraction(
      {
        customerId: id,
        channel: body.channel,
        summary: body.summary,
        occurredAt,
        recordedBy: recorderOf(caller),
      },
      key === undefined
        ? undefined
        : {
            caller: caller.sub,
            key,
            fingerprint: requestFingerprint(id, {
              channel: body.channel,
              summary: body.summary,
              occurredAt: body.occurredAt === undefined ? undefined : occurredAt,
            }),
            expiredBefore: keysExpiredBefore(new Date()),
          },
    );
    if (result.outcome === 'key_reused') throw idempotencyKeyReused();
    if (key !== undefined) {
      void reply.header(IDEMPOTENT_REPLAYED_HEADER, String(result.outcome === 'replayed'));
    }
    return result.interaction;
  }

  private async requireCustomer(id: string): Promise<void> {
    if (!CUSTOMER_ID.test(id) || !(await this.customers.findById(id))) throw customerNotFound();
  }
}
