-- API tokens (issue 5): personal REST v1 bearer tokens (see the MySQL twin of this file).
CREATE TABLE IF NOT EXISTS jobwheel_api_token (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT NULL,
  revoked_at TEXT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS i_jobwheel_token_hash ON jobwheel_api_token (token_hash);
CREATE INDEX IF NOT EXISTS i_jobwheel_token_user ON jobwheel_api_token (user_id);
