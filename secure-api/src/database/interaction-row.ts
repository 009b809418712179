// The interactions table's row and its mapping to the API's Interaction (both databases).
import { randomUUID } from 'node:crypto';
import type { NewInteraction } from '../customers/customers.repository.js';
import type { Channel, Interaction } from '../customers/dto/customer.dto.js';

export interface InteractionRow {
  id: string;
  customer_id: string;
  channel: Channel;
  summary: string;
  occurred_at: string;
  recorded_by: string;
  created_at: string;
}

export function newInteractionRow(input: NewInteraction): InteractionRow {
  return {
    id: `int_${randomUUID().replace(/-/g, '')}`,
    customer_id: input.customerId,
    channel: input.channel,
    summary: input.summary,
    occurred_at: input.occurredAt,
    recorded_by: input.recordedBy,
    created_at: new Date().toISOString(),
  };
}

export function toInteraction(row: InteractionRow): Interaction {
  return {
    id: row.id,
    customerId: row.customer_id,
    channel: row.channel,
    summary: row.summary,
    occurredAt: row.occurred_at,
    recordedBy: row.recorded_by,
    createdAt: row.created_at,
  };
}

export const INTERACTION_COLUMNS =
  'id, customer_id, channel, summary, occurred_at, recorded_by, created_at';
