// The one storage interface of the customer routes. Two implementations: embedded SQLite
// (database/sqlite-customers.repository.ts, one instance) and PostgreSQL
// (database/postgres-customers.repository.ts, any number of replicas). Both answer driver
// failures with SecureApiError `database_unavailable` (503), never a raw driver error.
import type { Channel, Customer, Interaction } from './dto/customer.dto.js';

export interface NewInteraction {
  customerId: string;
  channel: Channel;
  summary: string;
  occurredAt: string;
  recordedBy: string;
}

/** An Idempotency-Key as stored: scoped to the caller, with the request's fingerprint. */
export interface IdempotencyClaim {
  /** The token's `sub`: keys of different callers never collide. */
  caller: string;
  key: string;
  /** SHA-256 of the customer and the canonical body (idempotency-key.ts). */
  fingerprint: string;
  /** ISO time before which a stored key has expired and may be used afresh. */
  expiredBefore: string;
}

export type RecordOutcome =
  | { outcome: 'created'; interaction: Interaction }
  | { outcome: 'replayed'; interaction: Interaction }
  | { outcome: 'key_reused' };

export type DatabaseKind = 'sqlite' | 'postgres';

export abstract class CustomersRepository {
  abstract readonly kind: DatabaseKind;
  abstract findByPhone(phone: string): Promise<Customer | undefined>;
  abstract findById(id: string): Promise<Customer | undefined>;
  /** Newest first, at most 100. */
  abstract listInteractions(customerId: string): Promise<Interaction[]>;
  /**
   * Stores the interaction. With a claim: at most once per (caller, key), atomically, so
   * concurrent duplicates (on any replica) get the first request's record.
   */
  abstract addInteraction(input: NewInteraction, claim?: IdempotencyClaim): Promise<RecordOutcome>;
  /** Deletes the keys created before `before`; answers how many. */
  abstract purgeExpiredKeys(before: string): Promise<number>;
  /** Resolves when the database answers a trivial query. */
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}
