// Query of GET /customers: the caller's phone number in E.164.
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches } from 'class-validator';

/**
 * `+` and 8 to 15 digits, the first not 0. E.164 allows at most 15 digits; with a country
 * code no real subscriber number is shorter than 8, so anything shorter is a typo or a probe.
 */
export const E164 = /^\+[1-9]\d{7,14}$/;
export const E164_MESSAGE =
  'must be an E.164 phone number: + and 8 to 15 digits, e.g. +15005550001';

export class CustomerLookupQuery {
  @ApiProperty({
    description: 'E.164 phone number: + and 8 to 15 digits (URL-encode the + as %2B)',
    example: '+15005550001',
    pattern: E164.source,
    minLength: 9,
    maxLength: 16,
  })
  // Form decoding turns an unencoded leading '+' into a space; accept that one case.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^ \d/.test(value) ? `+${value.slice(1)}` : value,
  )
  @IsString({ message: 'is required' })
  @Matches(E164, { message: E164_MESSAGE })
  phone: string;
}
