//! All SQL lives here: one [`Store`] interface, a MySQL/MariaDB and a SQLite implementation
//! behind it, chosen by the database URL's scheme.
//!
//! Why a trait and not `sqlx::Any`: `Any` cannot read MySQL's TINYINT and DATETIME, which
//! XXL-JOB's schema is full of, and the two databases lock differently (`SELECT … FOR UPDATE`
//! versus SQLite's single writer). Each implementation speaks its own dialect; the
//! conformance tests in `tests/` run every operation against both.
//!
//! The store is deliberately dumb: it takes and returns rows ([`model`]) and knows nothing of
//! cron, routing or time zones. Naive DATETIMEs arrive already converted by the caller
//! (and are stored to the whole second, as MySQL's DATETIME keeps them).
//!
//! Both implementations share one body of SQL ([`sql_store`]) over a small [`dialect`]
//! trait; the schema lives in `migrations/mysql` and `migrations/sqlite` and is applied at
//! start-up by [`migrate`].

mod bind;
mod dialect;
mod migrate;
pub mod model;
mod mysql;
mod rows;
mod sql;
mod sql_store;
mod sqlite;
mod statement;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDateTime;
use jobwheel_executor::protocol::RegistryParam;

use crate::error::{Error, Result};
pub use model::*;

/// Opens the database of `url` and brings its schema up to date: `mysql://…` or
/// `mariadb://…` (MySQL 8 / MariaDB 10.5+), or `sqlite://FILE` (created if missing; one
/// admin per file). An existing XXL-JOB 2.4–3.4 database is adopted as it is, gaining only
/// Jobwheel's nullable `jobwheel_*` columns.
pub async fn connect(url: &str, pool_size: u32) -> Result<Arc<dyn Store>> {
    let pool_size = pool_size.max(1);
    if url.starts_with("mysql:") || url.starts_with("mariadb:") {
        mysql::open(url, pool_size).await
    } else if url.starts_with("sqlite:") {
        sqlite::open(url, pool_size).await
    } else {
        Err(crate::Error::validation(
            "database_url",
            "must start with sqlite://, mysql:// or mariadb://",
        ))
    }
}

/// The admin's persistence. Implementations must be safe to share across tasks.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Round-trips to the database (readiness probe).
    async fn ping(&self) -> Result<()>;

    // ---- executor groups -------------------------------------------------------------

    /// Groups matching `filter`, ordered by app name then id, and the total count.
    async fn list_groups(&self, filter: &GroupFilter, page: Page) -> Result<(Vec<JobGroup>, i64)>;
    /// Every group (the registry monitor and routing read them all).
    async fn all_groups(&self) -> Result<Vec<JobGroup>>;
    /// One group.
    async fn get_group(&self, id: i32) -> Result<Option<JobGroup>>;
    /// The group of an app name.
    async fn get_group_by_app_name(&self, app_name: &str) -> Result<Option<JobGroup>>;
    /// Inserts a group; a duplicate app name is [`crate::Error::Conflict`].
    async fn insert_group(&self, fields: &GroupFields, now: NaiveDateTime) -> Result<i32>;
    /// Updates a group; false when it does not exist.
    async fn update_group(&self, id: i32, fields: &GroupFields, now: NaiveDateTime)
    -> Result<bool>;
    /// Deletes a group and its registry rows; false when it does not exist.
    async fn delete_group(&self, id: i32) -> Result<bool>;
    /// Sets an auto group's computed address list (`None` when no executor is alive).
    async fn set_group_addresses(
        &self,
        id: i32,
        address_list: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<()>;
    /// Jobs in a group (a group with jobs cannot be deleted).
    async fn count_jobs_in_group(&self, group_id: i32) -> Result<i64>;

    // ---- executor registry -----------------------------------------------------------

    /// Records a heartbeat: insert, or refresh `update_time` of the existing row.
    async fn registry_save(&self, param: &RegistryParam, now: NaiveDateTime) -> Result<()>;
    /// Deletes the matching row (executor shutdown).
    async fn registry_remove(&self, param: &RegistryParam) -> Result<()>;
    /// Deletes rows whose last beat is older than `before`; returns how many.
    async fn registry_delete_dead(&self, before: NaiveDateTime) -> Result<u64>;
    /// Rows whose last beat is newer than `after`.
    async fn registry_alive(&self, after: NaiveDateTime) -> Result<Vec<RegistryRow>>;

    // ---- jobs ------------------------------------------------------------------------

    /// Jobs matching `filter`, newest id first, and the total count.
    async fn list_jobs(&self, filter: &JobFilter, page: Page) -> Result<(Vec<JobInfo>, i64)>;
    /// One job.
    async fn get_job(&self, id: i32) -> Result<Option<JobInfo>>;
    /// Inserts a job (its `id` is ignored) and returns the new id.
    async fn insert_job(&self, job: &JobInfo) -> Result<i32>;
    /// Writes every column of `job` (by `job.id`); false when it does not exist.
    async fn update_job(&self, job: &JobInfo) -> Result<bool>;
    /// Writes every column of `job` only while its schedule state is still the one the
    /// caller read (`trigger_status = seen_status AND trigger_next_time = seen_next`): an
    /// edit must not write back a `trigger_next_time` that a scan advanced meanwhile, which
    /// would fire that occurrence twice. False when the job is gone or was moved; re-read
    /// and retry.
    async fn update_job_guarded(
        &self,
        job: &JobInfo,
        seen_status: i8,
        seen_next: i64,
    ) -> Result<bool>;
    /// Deletes a job with its logs and GLUE history; false when it does not exist.
    async fn delete_job(&self, id: i32) -> Result<bool>;
    /// Sets `trigger_status`, `trigger_last_time`, `trigger_next_time` (start/stop).
    async fn set_job_schedule(&self, id: i32, status: i8, last: i64, next: i64) -> Result<bool>;

    // ---- the scan --------------------------------------------------------------------

    /// One scheduling pass under the cluster lock, in one short transaction:
    /// take the lock (`SELECT … FROM xxl_job_lock WHERE lock_name='schedule_lock' FOR UPDATE`
    /// on MySQL; the single-writer transaction on SQLite), read up to `limit` enabled jobs
    /// with `trigger_next_time <= window_end`, most urgent first (`trigger_next_time`, then
    /// id: ordering by id alone would re-read the same lowest ids every scan once more jobs
    /// are due than `limit`, and starve the rest), hand them to `plan`, write the
    /// plan's schedule updates (only where `trigger_status=1` still holds) and insert its
    /// fires as `Pending` log rows, then commit. Returns the recorded fires with their ids.
    ///
    /// `plan` is pure (no I/O): it runs while the lock is held.
    async fn schedule_scan(
        &self,
        window_end: i64,
        limit: i64,
        plan: &mut (dyn FnMut(Vec<JobSchedule>) -> ScanPlan + Send),
    ) -> Result<Vec<RecordedFire>>;

    /// Moves the fires among `log_ids` that are still `Pending` to `Claimed`, in one
    /// transaction, and returns their ids: each fire is won by exactly one caller, however
    /// many admins claim it at once.
    async fn claim_fires(&self, log_ids: &[i64]) -> Result<Vec<i64>>;
    /// [`Store::claim_fires`] of one fire; true when this caller won it.
    async fn claim_fire(&self, log_id: i64) -> Result<bool> {
        Ok(!self.claim_fires(&[log_id]).await?.is_empty())
    }
    /// Moves a fire this admin claimed back from `Claimed` to `Pending` (it was claimed too
    /// late to be fired as scheduled; the orphan sweeper applies the misfire strategy).
    async fn release_fire(&self, log_id: i64) -> Result<bool>;
    /// Notes that a missed period of `job_id` ending at `missed_until` (epoch ms) is
    /// compensated at `at` (> `missed_until`): sets `trigger_last_time = at`, only while it is
    /// still `<= missed_until`. False when the job's schedule has already moved past the
    /// missed fires (a scan planned later fires, or compensated itself): then no second
    /// compensation may fire.
    async fn note_compensation(&self, job_id: i32, missed_until: i64, at: i64) -> Result<bool>;
    /// `Pending` fires due before `due_before` (epoch ms), oldest first: fires of an admin
    /// that died before dispatching them.
    async fn orphan_fires(&self, due_before: i64, limit: i64) -> Result<Vec<JobLog>>;
    /// Closes fires still `Claimed` whose `fire_at` is before `fire_before`: an admin claimed
    /// them and stopped before recording the executor's answer. Each gets `trigger_code =
    /// 500` and `trigger_msg`, and is marked `Done`, so retry and alarm see a failure.
    /// Returns how many were closed.
    async fn fail_stuck_claims(&self, fire_before: i64, trigger_msg: &str) -> Result<u64>;

    // ---- logs ------------------------------------------------------------------------

    /// Inserts a log row and returns its id.
    async fn insert_log(&self, log: &NewLog) -> Result<i64>;
    /// Writes the trigger outcomes of many fires in one statement and marks them `Done`.
    /// Returns how many rows were written (a row deleted meanwhile is skipped).
    async fn record_triggers(&self, records: &[(i64, TriggerRecord)]) -> Result<u64>;
    /// [`Store::record_triggers`] of one fire; `NotFound` when the row is gone.
    async fn record_trigger(&self, log_id: i64, record: &TriggerRecord) -> Result<()> {
        if self.record_triggers(&[(log_id, record.clone())]).await? == 0 {
            return Err(Error::NotFound(format!("log {log_id}")));
        }
        Ok(())
    }
    /// Writes the results of many runs in one transaction. Reads the rows `log_ids` (locked
    /// until commit), asks `decide` for the result of each row still without one
    /// (`handle_code = 0`: the first result wins), writes what it returns, and reports
    /// which rows were found and which were written.
    ///
    /// `decide` is pure (no I/O): it runs while the rows are locked.
    async fn complete_logs(
        &self,
        log_ids: &[i64],
        handle_time: NaiveDateTime,
        decide: &mut (dyn for<'l> FnMut(&'l RunRecord) -> Option<(i32, String)> + Send),
    ) -> Result<CompletedLogs>;
    /// Writes a run's result if it has none yet (`handle_code = 0`): the first result wins.
    /// True when this call wrote it.
    async fn complete_log(
        &self,
        log_id: i64,
        handle_code: i32,
        handle_msg: &str,
        handle_time: NaiveDateTime,
    ) -> Result<bool>;
    /// What a trigger needs of the jobs among `ids` that exist (any order).
    async fn jobs_to_dispatch(&self, ids: &[i32]) -> Result<Vec<JobDispatch>>;
    /// `(id, child_jobid)` of the jobs among `ids` that list children (any order): what a
    /// finished run needs to know of its job, without reading the whole row for every result.
    async fn child_job_lists(&self, ids: &[i32]) -> Result<Vec<(i32, String)>>;
    /// The executor groups among `ids` that exist (any order).
    async fn get_groups(&self, ids: &[i32]) -> Result<Vec<JobGroup>>;
    /// One log row.
    async fn get_log(&self, id: i64) -> Result<Option<JobLog>>;
    /// Logs matching `filter`, newest first, and the total count.
    async fn list_logs(&self, filter: &LogFilter, page: Page) -> Result<(Vec<JobLog>, i64)>;

    // ---- console users ---------------------------------------------------------------

    /// One user.
    async fn get_user(&self, id: i32) -> Result<Option<User>>;
    /// The user of a username (exact match).
    async fn get_user_by_username(&self, username: &str) -> Result<Option<User>>;
    /// Users matching `filter`, ordered by username, and the total count.
    async fn list_users(&self, filter: &UserFilter, page: Page) -> Result<(Vec<User>, i64)>;
    /// Inserts a user; a taken username is [`crate::Error::Conflict`].
    async fn insert_user(&self, user: &NewUser) -> Result<i32>;
    /// Sets a user's role and permission; false when it does not exist.
    async fn update_user(&self, id: i32, role: i8, permission: Option<&str>) -> Result<bool>;
    /// Deletes a user; false when it does not exist.
    async fn delete_user(&self, id: i32) -> Result<bool>;
    /// Replaces a user's password hash and session signature together, so a new password
    /// ends every session of the old one; false when the user does not exist.
    async fn set_user_password(&self, id: i32, hash: &str, token: Option<&str>) -> Result<bool>;
    /// Sets (login) or clears (logout) a user's session signature.
    async fn set_user_token(&self, id: i32, token: Option<&str>) -> Result<bool>;
    // ---- after a fire: failures, lost results, alarms (monitor, alarm) ---------------

    /// Failed logs nobody has looked at yet (`alarm_status = 0`), oldest id first: the fail
    /// monitor's work list (PROTOCOL.md §6.1 "failed for the fail monitor").
    async fn failed_unalarmed_logs(&self, limit: i64) -> Result<Vec<JobLog>>;
    /// Moves `alarm_status` from `from` to `to` (and sets `jobwheel_alarm_msg` when `msg`
    /// is given); true for exactly one caller per transition, so each failed log is
    /// handled by one admin of a cluster.
    async fn set_alarm_status(
        &self,
        log_id: i64,
        from: i8,
        to: i8,
        msg: Option<&str>,
    ) -> Result<bool>;
    /// Replaces a log's `trigger_msg` (the fail monitor appends its retry note).
    async fn set_trigger_msg(&self, log_id: i64, trigger_msg: &str) -> Result<()>;
    /// Replaces a finished log's `handle_msg` (child job results are appended), cut to
    /// 15,000 characters.
    async fn set_handle_msg(&self, log_id: i64, handle_msg: &str) -> Result<()>;
    /// Runs still waiting for their result (`trigger_code = 200 AND handle_code = 0`)
    /// triggered at or before `before`, with ids above `after_id`, by id, at most `limit`.
    async fn running_logs_before(
        &self,
        before: NaiveDateTime,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<JobLog>>;

    // ---- reports and log cleanup (monitor, lifecycle) --------------------------------

    /// Counts of the logs triggered in `from..=to`.
    async fn count_logs(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<LogCounts>;
    /// Writes one day of the report (insert or replace, keyed by `trigger_day`).
    async fn save_report(&self, report: &LogReport) -> Result<()>;
    /// Report days in `from..=to`, oldest first.
    async fn list_reports(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<LogReport>>;
    /// Ids of logs in `scope`, lowest first, at most `limit` (one batch of a delete).
    async fn log_ids_in_scope(&self, scope: &LogScope, limit: i64) -> Result<Vec<i64>>;
    /// The id of the `n`-th newest log (1 = newest) of a group/job, if there are `n`.
    async fn nth_newest_log_id(
        &self,
        job_group: Option<i32>,
        job_id: Option<i32>,
        n: i64,
    ) -> Result<Option<i64>>;
    /// Deletes the logs `ids` in one short statement; returns how many.
    async fn delete_logs(&self, ids: &[i64]) -> Result<u64>;

    // ---- GLUE source versions (lifecycle) --------------------------------------------

    /// Sets a job's GLUE source and remark (and `glue_updatetime`, `update_time` = `now`),
    /// records them as a new version and keeps only the newest `keep` versions, in one
    /// transaction. False when the job does not exist.
    async fn save_glue(
        &self,
        job_id: i32,
        source: Option<&str>,
        remark: &str,
        now: NaiveDateTime,
        keep: i64,
    ) -> Result<bool>;
    /// A job's saved GLUE versions, newest first.
    async fn glue_versions(&self, job_id: i32) -> Result<Vec<GlueVersion>>;
    /// One saved GLUE version.
    async fn get_glue_version(&self, id: i32) -> Result<Option<GlueVersion>>;

    // ---- API tokens (auth::api_tokens) -----------------------------------------------

    /// Inserts a token and returns its id; a duplicate hash is [`crate::Error::Conflict`].
    async fn insert_api_token(&self, token: &NewApiToken) -> Result<i32>;
    /// Tokens of one user (`Some`) or of everyone (`None`), revoked ones included, newest
    /// first.
    async fn list_api_tokens(&self, user_id: Option<i32>) -> Result<Vec<ApiToken>>;
    /// One token by id.
    async fn get_api_token(&self, id: i32) -> Result<Option<ApiToken>>;
    /// The unrevoked token whose SHA-256 hex is `token_hash`.
    async fn find_active_api_token(&self, token_hash: &str) -> Result<Option<ApiToken>>;
    /// Sets `revoked_at`; false when the token does not exist or was already revoked.
    async fn revoke_api_token(&self, id: i32, now: NaiveDateTime) -> Result<bool>;
    /// Sets `last_used_at = now` unless it is already at or after `stale_before`, so a
    /// busy token costs one write a minute, not one per call. True when it wrote.
    async fn touch_api_token(
        &self,
        id: i32,
        now: NaiveDateTime,
        stale_before: NaiveDateTime,
    ) -> Result<bool>;
}
