// Query of GET /customers: the caller's phone number in E.164.
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches } from 'class-validator';

export const E164 = /^\+[1-9]\d{1,14}$/;

export class CustomerLookupQuery {
  @ApiProperty({
    description: 'E.164 phone number (URL-encode the + as %2B)',
    example: '+15005550001',
  })
  // Form decoding turns an unencoded leading '+' into a space; accept that one case.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^ \d/.test(value) ? `+${value.slice(1)}` : value,
  )
  @IsString({ message: 'is required' })
  @Matches(E164, { message: 'must be an E.164 phone number, e.g. +15005550001' })
  phone: string;
}
