-- API tokens (issue 5): personal REST v1 bearer tokens created in the console. Only the
-- SHA-256 hex of a token is kept (tokens are 32 random bytes, so a fast hash is enough);
-- `prefix` is the token's first characters, shown in lists so users can tell them apart.
-- A Jobwheel-only table (DESIGN.md decision 2): XXL-JOB's admin never reads it.
CREATE TABLE IF NOT EXISTS jobwheel_api_token (
  id INT NOT NULL AUTO_INCREMENT,
  user_id INT NOT NULL,
  name VARCHAR(64) NOT NULL,
  token_hash CHAR(64) NOT NULL,
  prefix VARCHAR(16) NOT NULL,
  created_at DATETIME NOT NULL,
  last_used_at DATETIME NULL,
  revoked_at DATETIME NULL,
  PRIMARY KEY (id),
  UNIQUE KEY i_jobwheel_token_hash (token_hash),
  KEY i_jobwheel_token_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
