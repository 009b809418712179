// The SQL both customers repositories run, written once. The two drivers number parameters
// differently (node-postgres `$1, $2…`, better-sqlite3 `?`), so each statement is built with
// the repository's own placeholder; the statements are otherwise identical.
import type { IdempotencyClaim, RecordOutcome } from '../customers/customers.repository.js';
import { INTERACTION_COLUMNS, type InteractionRow, toInteraction } from './interaction-row.js';

const CUSTOMER_COLUMNS = 'id, name, phone, email, tier';

/** The text of the parameter at `position` (1-based) in the driver's syntax. */
export type Placeholder = (position: number) => string;

export const postgresPlaceholder: Placeholder = (position) => `$${position}`;
export const sqlitePlaceholder: Placeholder = () => '?';

export interface CustomerStatements {
  customerByPhone: string;
  customerById: string;
  /** The newest 100 of a customer's interactions. */
  interactionsOf: string;
  interactionById: string;
  /** Parameters: interactionValues(row). */
  insertInteraction: string;
  /**
   * Takes a key when absent, or when the stored one has expired (created before the sixth
   * parameter); otherwise returns no row. Parameters: caller, key, fingerprint,
   * interaction id, created at, expired before.
   */
  claimKey: string;
  /** Parameters: caller, key. */
  storedKey: string;
  /** Parameter: expired before. */
  deleteExpiredKeys: string;
}

export function customerStatements(p: Placeholder): CustomerStatements {
  return {
    customerByPhone: `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE phone = ${p(1)}`,
    customerById: `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = ${p(1)}`,
    interactionsOf: `SELECT ${INTERACTION_COLUMNS} FROM interactions WHERE customer_id = ${p(1)}
       ORDER BY occurred_at DESC, created_at DESC LIMIT 100`,
    interactionById: `SELECT ${INTERACTION_COLUMNS} FROM interactions WHERE id = ${p(1)}`,
    insertInteraction: `INSERT INTO interactions (${INTERACTION_COLUMNS})
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)})`,
    claimKey: `INSERT INTO idempotency_keys (caller, idempotency_key, fingerprint, interaction_id, created_at)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})
       ON CONFLICT (caller, idempotency_key) DO UPDATE SET
         fingerprint = EXCLUDED.fingerprint, interaction_id = EXCLUDED.interaction_id,
         created_at = EXCLUDED.created_at
       WHERE idempotency_keys.created_at < ${p(6)}
       RETURNING interaction_id`,
    storedKey: `SELECT fingerprint, interaction_id FROM idempotency_keys
       WHERE caller = ${p(1)} AND idempotency_key = ${p(2)}`,
    deleteExpiredKeys: `DELETE FROM idempotency_keys WHERE created_at < ${p(1)}`,
  };
}

/** The insert's parameters, in INTERACTION_COLUMNS order. */
export function interactionValues(row: InteractionRow): string[] {
  return [
    row.id,
    row.customer_id,
    row.channel,
    row.summary,
    row.occurred_at,
    row.recorded_by,
    row.created_at,
  ];
}

/** The claim's parameters, in claimKey's order. */
export function claimValues(row: InteractionRow, claim: IdempotencyClaim): string[] {
  return [claim.caller, claim.key, claim.fingerprint, row.id, row.created_at, claim.expiredBefore];
}

export interface StoredKey {
  fingerprint: string;
  interaction_id: string;
}

/** Whether a key already taken was taken by this same request (the same fingerprint). */
export function sameRequest(
  stored: StoredKey | undefined,
  claim: IdempotencyClaim,
): stored is StoredKey {
  return stored !== undefined && stored.fingerprint === claim.fingerprint;
}

/** The same request again: the key's first interaction, answered as a replay. */
export function replayed(original: InteractionRow | undefined): RecordOutcome {
  if (!original) throw new Error('idempotency key without its interaction');
  return { outcome: 'replayed', interaction: toInteraction(original) };
}
