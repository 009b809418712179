// Body of POST /customers/:id/interactions.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { CHANNELS, type Channel } from './customer.dto.js';

export class CreateInteractionDto {
  @ApiProperty({ enum: CHANNELS, example: 'voice' })
  @IsIn(CHANNELS, { message: `must be one of ${CHANNELS.join(', ')}` })
  channel: Channel;

  @ApiProperty({ minLength: 1, maxLength: 500, example: 'Asked about the invoice of March' })
  @IsString({ message: 'must be a string' })
  @Length(1, 500, { message: 'must be 1 to 500 characters' })
  summary: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'ISO-8601; defaults to now' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'must be an ISO-8601 date-time' })
  occurredAt?: string;
}
