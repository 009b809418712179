-- Idempotency-Key of POST /customers/:id/interactions: one row per (caller, key), holding the
-- fingerprint of the first request and the interaction it created. The primary key is what
-- makes concurrent duplicates on several replicas store one interaction.
CREATE TABLE idempotency_keys (
  caller          TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint     TEXT NOT NULL,
  interaction_id  TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (caller, idempotency_key)
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
