// Reads and writes customers and their interactions in SQLite.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../database/database.module.js';
import type { SqliteDatabase } from '../database/database.js';
import type { Channel, Customer, Interaction } from './dto/customer.dto.js';

interface InteractionRow {
  id: string;
  customer_id: string;
  channel: Channel;
  summary: string;
  occurred_at: string;
  recorded_by: string;
  created_at: string;
}

function toInteraction(row: InteractionRow): Interaction {
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

export interface NewInteraction {
  customerId: string;
  channel: Channel;
  summary: string;
  occurredAt: string;
  recordedBy: string;
}

@Injectable()
export class CustomersRepository {
  private readonly byPhone;
  private readonly byId;
  private readonly interactionsOf;
  private readonly insertInteraction;

  constructor(@Inject(DATABASE) db: SqliteDatabase) {
    this.byPhone = db.prepare<[string], Customer>(
      'SELECT id, name, phone, email, tier FROM customers WHERE phone = ?',
    );
    this.byId = db.prepare<[string], Customer>(
      'SELECT id, name, phone, email, tier FROM customers WHERE id = ?',
    );
    this.interactionsOf = db.prepare<[string], InteractionRow>(
      'SELECT * FROM interactions WHERE customer_id = ? ORDER BY occurred_at DESC, created_at DESC LIMIT 100',
    );
    this.insertInteraction = db.prepare<[InteractionRow]>(
      `INSERT INTO interactions (id, customer_id, channel, summary, occurred_at, recorded_by, created_at)
       VALUES (@id, @customer_id, @channel, @summary, @occurred_at, @recorded_by, @created_at)`,
    );
  }

  findByPhone(phone: string): Customer | undefined {
    return this.byPhone.get(phone);
  }

  findById(id: string): Customer | undefined {
    return this.byId.get(id);
  }

  listInteractions(customerId: string): Interaction[] {
    return this.interactionsOf.all(customerId).map(toInteraction);
  }

  addInteraction(input: NewInteraction): Interaction {
    const row: InteractionRow = {
      id: `int_${randomUUID().replace(/-/g, '')}`,
      customer_id: input.customerId,
      channel: input.channel,
      summary: input.summary,
      occurred_at: input.occurredAt,
      recorded_by: input.recordedBy,
      created_at: new Date().toISOString(),
    };
    this.insertInteraction.run(row);
    return toInteraction(row);
  }
}
