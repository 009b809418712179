// The JSON body of every error answer (documented in the OpenAPI spec).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorBody {
  @ApiProperty({ example: 401 })
  statusCode: number;

  @ApiProperty({ description: 'Stable machine code', example: 'invalid_token' })
  error: string;

  @ApiProperty({
    description: 'Short human-readable message',
    example: 'The access token is invalid',
  })
  message: string;

  @ApiPropertyOptional({
    description: 'Per-field problems (validation_failed only)',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { phone: 'must be an E.164 phone number: + and 8 to 15 digits, e.g. +15005550001' },
  })
  fields?: Record<string, string>;
}
