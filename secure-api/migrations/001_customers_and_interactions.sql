-- The customers and their interactions, with the demo customers. Written in the SQL that
-- SQLite and PostgreSQL share; IF NOT EXISTS adopts databases created before migrations.
CREATE TABLE IF NOT EXISTS customers (
  id    TEXT PRIMARY KEY,
  name  TEXT NOT NULL,
  phone TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  tier  TEXT NOT NULL CHECK (tier IN ('gold', 'silver', 'standard'))
);

CREATE TABLE IF NOT EXISTS interactions (
  id          TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers (id),
  channel     TEXT NOT NULL CHECK (channel IN ('voice', 'sms', 'whatsapp', 'chat')),
  summary     TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  created_at  TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS interactions_by_customer ON interactions (customer_id, occurred_at);

INSERT INTO customers (id, name, phone, email, tier) VALUES
  ('cus_001', 'Ada Lovelace', '+15005550001', 'ada.lovelace@example.com', 'gold'),
  ('cus_002', 'Grace Hopper', '+15005550002', 'grace.hopper@example.com', 'silver'),
  ('cus_003', 'Alan Turing', '+447700900003', 'alan.turing@example.com', 'standard'),
  ('cus_004', 'Katherine Johnson', '+15005550004', 'katherine.johnson@example.com', 'gold')
ON CONFLICT DO NOTHING;
