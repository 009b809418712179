// The demo business API Studio flows call: look a caller up by phone number, read and
// record their interactions. Each route is guarded by a scope.
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import type { VerifiedClaims } from '../auth/verified-claims.js';
import { ErrorBody } from '../errors/error-body.dto.js';
import { SecureApiError } from '../errors/secure-api.error.js';
import { CustomersRepository } from './customers.repository.js';
import { CreateInteractionDto } from './dto/create-interaction.dto.js';
import { CustomerLookupQuery } from './dto/customer-lookup.query.js';
import { Customer, Interaction, InteractionList } from './dto/customer.dto.js';

const CUSTOMER_ID = /^cus_[A-Za-z0-9_]{1,40}$/;

function customerNotFound(): SecureApiError {
  return new SecureApiError('customer_not_found', 'No customer matches', { status: 404 });
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
  findByPhone(@Query() query: CustomerLookupQuery): Customer {
    const customer = this.customers.findByPhone(query.phone);
    if (!customer) throw customerNotFound();
    return customer;
  }

  @Get(':id/interactions')
  @RequireScopes('read:customers')
  @ApiOperation({ summary: "List a customer's latest interactions (newest first, at most 100)" })
  @ApiParam({ name: 'id', example: 'cus_001' })
  @ApiOkResponse({ type: InteractionList })
  @ApiNotFoundResponse({ description: 'customer_not_found', type: ErrorBody })
  listInteractions(@Param('id') id: string): InteractionList {
    this.requireCustomer(id);
    return { items: this.customers.listInteractions(id) };
  }

  @Post(':id/interactions')
  @HttpCode(201)
  @RequireScopes('write:interactions')
  @ApiOperation({ summary: 'Record an interaction (a call, a message) with a customer' })
  @ApiParam({ name: 'id', example: 'cus_001' })
  @ApiCreatedResponse({ type: Interaction })
  @ApiBadRequestResponse({
    description: 'validation_failed, naming each bad field',
    type: ErrorBody,
  })
  @ApiNotFoundResponse({ description: 'customer_not_found', type: ErrorBody })
  @ApiUnsupportedMediaTypeResponse({
    description: 'unsupported_media_type: the body is not application/json in UTF-8',
    type: ErrorBody,
  })
  addInteraction(
    @Param('id') id: string,
    @Body() body: CreateInteractionDto,
    @CurrentUser() caller: VerifiedClaims,
  ): Interaction {
    this.requireCustomer(id);
    return this.customers.addInteraction({
      customerId: id,
      channel: body.channel,
      summary: body.summary,
      occurredAt: new Date(body.occurredAt ?? Date.now()).toISOString(),
      recordedBy: caller.azp ?? caller.sub,
    });
  }

  private requireCustomer(id: string): void {
    if (!CUSTOMER_ID.test(id) || !this.customers.findById(id)) throw customerNotFound();
  }
}
