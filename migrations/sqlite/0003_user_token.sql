-- XXL-JOB 3.2+'s session signature column (see the MySQL twin of this file); SQLite's TEXT
-- needs no widening for argon2 password hashes. Skipped when it exists.
ALTER TABLE xxl_job_user ADD COLUMN token TEXT NULL;
