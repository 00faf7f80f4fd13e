-- Jobwheel's additions to XXL-JOB's tables: nullable or defaulted columns named `jobwheel_*`
-- and indexes named `i_jobwheel_*`, so a Java XXL-JOB admin sharing the database is not
-- disturbed. MySQL 8 has no `ADD COLUMN IF NOT EXISTS`: the migration runner skips an
-- `ADD COLUMN` or `CREATE INDEX` whose column or index already exists.

-- IANA time zone of a job's schedule; NULL = the admin's default zone.
ALTER TABLE xxl_job_info ADD COLUMN jobwheel_time_zone VARCHAR(64) NULL;
-- The scan reads `trigger_status=1 AND trigger_next_time <= ?` on every pass.
CREATE INDEX i_jobwheel_trigger ON xxl_job_info (trigger_status, trigger_next_time);

-- Protocol generation of a group's executors (`legacy`, `v3_5`); NULL = detect.
ALTER TABLE xxl_job_group ADD COLUMN jobwheel_protocol VARCHAR(16) NULL;
-- Per-group access token (XXL-JOB 3.5 calls it `access_token`).
ALTER TABLE xxl_job_group ADD COLUMN jobwheel_access_token VARCHAR(255) NULL;

-- Durable fire intents: the scheduled instant (ms), the state (0 done, 1 pending,
-- 2 claimed), the trigger type, and the token of the scan that wrote the row.
ALTER TABLE xxl_job_log ADD COLUMN jobwheel_fire_at BIGINT NULL;
ALTER TABLE xxl_job_log ADD COLUMN jobwheel_fire_state TINYINT NOT NULL DEFAULT 0;
ALTER TABLE xxl_job_log ADD COLUMN jobwheel_trigger_type VARCHAR(16) NULL;
ALTER TABLE xxl_job_log ADD COLUMN jobwheel_batch BIGINT NULL;
-- Orphan fires: `jobwheel_fire_state=1 AND jobwheel_fire_at < ?` ordered by fire time.
CREATE INDEX i_jobwheel_fire ON xxl_job_log (jobwheel_fire_state, jobwheel_fire_at);
