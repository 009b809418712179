// Response shapes of the customer routes.
import { ApiProperty } from '@nestjs/swagger';

export const TIERS = ['gold', 'silver', 'standard'] as const;
export const CHANNELS = ['voice', 'sms', 'whatsapp', 'chat'] as const;
export type Tier = (typeof TIERS)[number];
export type Channel = (typeof CHANNELS)[number];

export class Customer {
  @ApiProperty({ example: 'cus_001' })
  id: string;
  @ApiProperty({ example: 'Ada Lovelace' })
  name: string;
  @ApiProperty({ description: 'E.164', example: '+15005550001' })
  phone: string;
  @ApiProperty({ example: 'ada.lovelace@example.com' })
  email: string;
  @ApiProperty({ enum: TIERS, example: 'gold' })
  tier: Tier;
}

export class Interaction {
  @ApiProperty({ example: 'int_5f0c7c1e8f1b4a53a5b0d2a4c4f1e9a7' })
  id: string;
  @ApiProperty({ example: 'cus_001' })
  customerId: string;
  @ApiProperty({ enum: CHANNELS, example: 'voice' })
  channel: Channel;
  @ApiProperty({ example: 'Asked about the invoice of March' })
  summary: string;
  @ApiProperty({ format: 'date-time' })
  occurredAt: string;
  @ApiProperty({
    description: 'The `azp` (client id) of the token that recorded it',
    example: 'local-m2m-client',
  })
  recordedBy: string;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class InteractionList {
  @ApiProperty({ type: [Interaction] })
  items: Interaction[];
}
