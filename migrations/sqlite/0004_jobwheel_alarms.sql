-- Alarms (issue 4): where a job's webhook alarm goes, and what became of a log's alarm.
-- Additive, nullable `jobwheel_*` columns only (DESIGN.md decision 2).

-- Webhook URL of a job's alarms; NULL = the admin's `alarm_webhook_url`, if any.
ALTER TABLE xxl_job_info ADD COLUMN jobwheel_alarm_webhook TEXT NULL;
-- Why an alarm failed (alarm_status 3), or what the fail monitor did (retry log ids).
ALTER TABLE xxl_job_log ADD COLUMN jobwheel_alarm_msg TEXT NULL;
