-- XXL-JOB 3.2+'s user columns, for databases of XXL-JOB 2.x–3.1:
-- `token` is the session signature the console stores per user, so logout and password
-- changes revoke sessions on every admin; `password` widens from VARCHAR(50) (MD5 hex) to
-- 3.2's VARCHAR(100), room for an argon2 hash (about 98 characters). Same names and types as
-- XXL-JOB 3.2+, so a Java admin sharing the database reads them the same way.
ALTER TABLE xxl_job_user ADD COLUMN token VARCHAR(100) NULL;
ALTER TABLE xxl_job_user MODIFY COLUMN password VARCHAR(100) NOT NULL;
