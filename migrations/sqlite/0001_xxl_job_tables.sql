-- The same model as migrations/mysql (XXL-JOB's tables, 2.4–3.4 column names) in SQLite's
-- types: INTEGER for every integer, TEXT for strings and DATETIMEs ('YYYY-MM-DD HH:MM:SS',
-- naive, admin zone). AUTOINCREMENT keeps ids increasing and never reused, like InnoDB's,
-- so an old logId in a late callback can never hit a newer row.
-- No jobs, groups or users are seeded; the `schedule_lock` row is ensured at every start.

CREATE TABLE IF NOT EXISTS xxl_job_group (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  app_name TEXT NOT NULL,
  title TEXT NOT NULL,
  address_type INTEGER NOT NULL DEFAULT 0,
  address_list TEXT NULL,
  update_time TEXT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS i_app_name ON xxl_job_group (app_name);

CREATE TABLE IF NOT EXISTS xxl_job_registry (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  registry_group TEXT NOT NULL,
  registry_key TEXT NOT NULL,
  registry_value TEXT NOT NULL,
  update_time TEXT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS i_g_k_v ON xxl_job_registry (registry_group, registry_key, registry_value);

CREATE TABLE IF NOT EXISTS xxl_job_info (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_group INTEGER NOT NULL,
  job_desc TEXT NOT NULL,
  add_time TEXT NULL,
  update_time TEXT NULL,
  author TEXT NULL,
  alarm_email TEXT NULL,
  schedule_type TEXT NOT NULL DEFAULT 'NONE',
  schedule_conf TEXT NULL,
  misfire_strategy TEXT NOT NULL DEFAULT 'DO_NOTHING',
  executor_route_strategy TEXT NULL,
  executor_handler TEXT NULL,
  executor_param TEXT NULL,
  executor_block_strategy TEXT NULL,
  executor_timeout INTEGER NOT NULL DEFAULT 0,
  executor_fail_retry_count INTEGER NOT NULL DEFAULT 0,
  glue_type TEXT NOT NULL,
  glue_source TEXT NULL,
  glue_remark TEXT NULL,
  glue_updatetime TEXT NULL,
  child_jobid TEXT NULL,
  trigger_status INTEGER NOT NULL DEFAULT 0,
  trigger_last_time INTEGER NOT NULL DEFAULT 0,
  trigger_next_time INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS xxl_job_logglue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id INTEGER NOT NULL,
  glue_type TEXT NULL,
  glue_source TEXT NULL,
  glue_remark TEXT NOT NULL,
  add_time TEXT NULL,
  update_time TEXT NULL
);

CREATE TABLE IF NOT EXISTS xxl_job_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_group INTEGER NOT NULL,
  job_id INTEGER NOT NULL,
  executor_address TEXT NULL,
  executor_handler TEXT NULL,
  executor_param TEXT NULL,
  executor_sharding_param TEXT NULL,
  executor_fail_retry_count INTEGER NOT NULL DEFAULT 0,
  trigger_time TEXT NULL,
  trigger_code INTEGER NOT NULL,
  trigger_msg TEXT NULL,
  handle_time TEXT NULL,
  handle_code INTEGER NOT NULL,
  handle_msg TEXT NULL,
  alarm_status INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS I_trigger_time ON xxl_job_log (trigger_time);
CREATE INDEX IF NOT EXISTS I_handle_code ON xxl_job_log (handle_code);
CREATE INDEX IF NOT EXISTS I_jobid_jobgroup ON xxl_job_log (job_id, job_group);

CREATE TABLE IF NOT EXISTS xxl_job_log_report (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trigger_day TEXT NULL,
  running_count INTEGER NOT NULL DEFAULT 0,
  suc_count INTEGER NOT NULL DEFAULT 0,
  fail_count INTEGER NOT NULL DEFAULT 0,
  update_time TEXT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS i_trigger_day ON xxl_job_log_report (trigger_day);

CREATE TABLE IF NOT EXISTS xxl_job_lock (
  lock_name TEXT NOT NULL PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS xxl_job_user (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL,
  password TEXT NOT NULL,
  role INTEGER NOT NULL,
  permission TEXT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS i_username ON xxl_job_user (username);
