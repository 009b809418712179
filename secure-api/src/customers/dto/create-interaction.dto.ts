// Body of POST /customers/:id/interactions.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, ValidateBy } from 'class-validator';
import { CHANNELS, type Channel } from './customer.dto.js';

/**
 * IsISO8601 also accepts week dates (2024-W01-1), ordinal dates (2024-366) and an hour
 * without minutes (2024-01-01T10), which Date cannot read: those are refused here rather
 * than failing later with "Invalid time value".
 */
function IsReadableDate(): PropertyDecorator {
  return ValidateBy({
    name: 'isReadableDate',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && Number.isFinite(Date.parse(value)),
      defaultMessage: () =>
        'must be an ISO-8601 calendar date-time, e.g. 2025-01-02T03:04:05Z (week and ordinal dates are not accepted)',
    },
  });
}

export class CreateInteractionDto {
  @ApiProperty({ enum: CHANNELS, example: 'voice' })
  @IsIn(CHANNELS, { message: `must be one of ${CHANNELS.join(', ')}` })
  channel: Channel;

  @ApiProperty({ minLength: 1, maxLength: 500, example: 'Asked about the invoice of March' })
  @IsString({ message: 'must be a string' })
  @Length(1, 500, { message: 'must be 1 to 500 characters' })
  summary: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'ISO-8601 calendar date-time; defaults to now',
  })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'must be an ISO-8601 date-time' })
  @IsReadableDate()
  occurredAt?: string;
}
