//! The [`Store`] over any [`Dialect`]: the one implementation of every operation, shared
//! by MySQL/MariaDB and SQLite so the two cannot drift apart.
//!
//! Batch statements (`… IN (?, ?, …)`, `CASE id WHEN ? …`, multi-row `INSERT`) have one
//! text per batch size, a power of two ([`sql::batches`]), prepared once per connection.

use std::any::Any;

use async_trait::async_trait;
use chrono::NaiveDateTime;
use jobwheel_executor::protocol::RegistryParam;
use sqlx::{Executor, FromRow, IntoArguments, Pool, QueryBuilder, Transaction};

use super::bind::{Arg, Value};
use super::dialect::Dialect;
use super::model::*;
use super::rows::{self, FireRow, GroupRow, protocol_to_db};
use super::sql::{self, Cond};
use super::statement::Statement;
use super::{Store, migrate};
use crate::error::{Error, Result};

/// A pool of one dialect, plus whatever must live as long as it (SQLite's lock file).
pub(crate) struct SqlStore<DB: Dialect> {
    pool: Pool<DB>,
    _guard: Option<Box<dyn Any + Send + Sync>>,
}

impl<DB: Dialect> SqlStore<DB> {
    /// A store over a migrated pool; `guard` is dropped with the store.
    pub(crate) fn new(pool: Pool<DB>, guard: Option<Box<dyn Any + Send + Sync>>) -> Self {
        Self {
            pool,
            _guard: guard,
        }
    }
}

/// Maps a unique-key violation to [`Error::Conflict`].
fn conflict(what: impl FnOnce() -> String) -> impl FnOnce(sqlx::Error) -> Error {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict(what()),
        _ => Error::from(error),
    }
}

fn page_bounds(page: Page) -> (i64, i64) {
    (page.limit.max(0), page.offset.max(0))
}

#[async_trait]
impl<DB: Dialect> Store for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
    for<'r> (Option<i64>,): FromRow<'r, DB::Row>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (i32, String): FromRow<'r, DB::Row>,
    for<'r> GroupRow: FromRow<'r, DB::Row>,
    for<'r> FireRow: FromRow<'r, DB::Row>,
    for<'r> JobInfo: FromRow<'r, DB::Row>,
    for<'r> JobLog: FromRow<'r, DB::Row>,
    for<'r> RunRecord: FromRow<'r, DB::Row>,
    for<'r> JobSchedule: FromRow<'r, DB::Row>,
    for<'r> JobDispatch: FromRow<'r, DB::Row>,
    for<'r> RegistryRow: FromRow<'r, DB::Row>,
    for<'r> User: FromRow<'r, DB::Row>,
    for<'r> (i64, i64, i64): FromRow<'r, DB::Row>,
    for<'r> GlueVersion: FromRow<'r, DB::Row>,
    for<'r> LogReport: FromRow<'r, DB::Row>,
    for<'r> ApiToken: FromRow<'r, DB::Row>,
{
    async fn ping(&self) -> Result<()> {
        // Reachable *and* migrated: the readiness probe's two conditions in one query.
        let (version,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(version) FROM jobwheel_schema_version")
                .fetch_one(&self.pool)
                .await?;
        let latest = migrate::latest::<DB>();
        if version.unwrap_or(0) < latest {
            return Err(Error::Internal(format!(
                "{} schema at version {version:?}, this admin needs {latest}",
                DB::LABEL
            )));
        }
        Ok(())
    }

    // ---- executor groups -------------------------------------------------------------

    async fn list_groups(&self, filter: &GroupFilter, page: Page) -> Result<(Vec<JobGroup>, i64)> {
        let (rows, total) = self
            .list::<GroupRow>(
                sql::GROUP_COLUMNS,
                "xxl_job_group",
                &sql::group_conds(filter),
                "app_name, id",
                page,
            )
            .await?;
        Ok((rows.into_iter().map(JobGroup::from).collect(), total))
    }

    async fn all_groups(&self) -> Result<Vec<JobGroup>> {
        let rows: Vec<GroupRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} ORDER BY app_name, id",
            sql::GROUP_COLUMNS
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(JobGroup::from).collect())
    }

    async fn get_group(&self, id: i32) -> Result<Option<JobGroup>> {
        let row: Option<GroupRow> = self.by_id(sql::GROUP_COLUMNS, id.into()).await?;
        Ok(row.map(JobGroup::from))
    }

    async fn get_group_by_app_name(&self, app_name: &str) -> Result<Option<JobGroup>> {
        let row: Option<GroupRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE app_name = ? ORDER BY id LIMIT 1",
            sql::GROUP_COLUMNS
        )))
        .arg(app_name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(JobGroup::from))
    }

    async fn insert_group(&self, fields: &GroupFields, now: NaiveDateTime) -> Result<i32> {
        let mut tx = self.begin_write().await?;
        let inserted = async {
            // XXL-JOB ≤ 3.4 has no unique key on app_name: check, and let a fresh
            // database's unique key catch the race.
            self.refuse_taken_app_name(&mut tx, &fields.app_name, None)
                .await?;
            let result = sqlx::query(
                "INSERT INTO xxl_job_group (app_name, title, address_type, address_list, \
                 update_time, jobwheel_access_token, jobwheel_protocol) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .args(group_values(fields, now))
            .execute(&mut *tx)
            .await
            .map_err(conflict(|| app_name_taken(&fields.app_name)))?;
            i32::try_from(DB::last_insert_id(&result))
                .map_err(|_| Error::Internal("group id out of range".into()))
        }
        .await;
        finish(tx, inserted).await
    }

    async fn update_group(
        &self,
        id: i32,
        fields: &GroupFields,
        now: NaiveDateTime,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let updated = async {
            let (exists,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM xxl_job_group WHERE id = ?")
                    .arg(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if exists == 0 {
                return Ok(false);
            }
            self.refuse_taken_app_name(&mut tx, &fields.app_name, Some(id))
                .await?;
            let result = sqlx::query(
                "UPDATE xxl_job_group SET app_name = ?, title = ?, address_type = ?, \
                 address_list = ?, update_time = ?, jobwheel_access_token = ?, \
                 jobwheel_protocol = ? WHERE id = ?",
            )
            .args(group_values(fields, now))
            .arg(id)
            .execute(&mut *tx)
            .await
            .map_err(conflict(|| app_name_taken(&fields.app_name)))?;
            Ok(DB::rows_affected(&result) > 0)
        }
        .await;
        finish(tx, updated).await
    }

    async fn delete_group(&self, id: i32) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let deleted = async {
            let app_name: Option<(String,)> =
                sqlx::query_as("SELECT app_name FROM xxl_job_group WHERE id = ?")
                    .arg(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((app_name,)) = app_name else {
                return Ok(false);
            };
            sqlx::query(
                "DELETE FROM xxl_job_registry \
                 WHERE registry_group = 'EXECUTOR' AND registry_key = ?",
            )
            .arg(app_name)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM xxl_job_group WHERE id = ?")
                .arg(id)
                .execute(&mut *tx)
                .await?;
            Ok(true)
        }
        .await;
        finish(tx, deleted).await
    }

    async fn set_group_addresses(
        &self,
        id: i32,
        address_list: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<()> {
        sqlx::query("UPDATE xxl_job_group SET address_list = ?, update_time = ? WHERE id = ?")
            .arg(address_list)
            .arg(now)
            .arg(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn count_jobs_in_group(&self, group_id: i32) -> Result<i64> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM xxl_job_info WHERE job_group = ?")
                .arg(group_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(count)
    }

    // ---- executor registry -----------------------------------------------------------

    async fn registry_save(&self, param: &RegistryParam, now: NaiveDateTime) -> Result<()> {
        // UPDATE, then INSERT if nothing matched: works whether `i_g_k_v` is unique (2.5+,
        // and databases Jobwheel created) or not (XXL-JOB ≤ 2.4).
        if self.registry_touch(param, now).await? {
            return Ok(());
        }
        let inserted = sqlx::query(
            "INSERT INTO xxl_job_registry (registry_group, registry_key, registry_value, \
             update_time) VALUES (?, ?, ?, ?)",
        )
        .arg(param.registry_group.as_str())
        .arg(param.registry_key.as_str())
        .arg(param.registry_value.as_str())
        .arg(now)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            // Another admin inserted the same heartbeat between our UPDATE and INSERT.
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                self.registry_touch(param, now).await.map(|_| ())
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn registry_remove(&self, param: &RegistryParam) -> Result<()> {
        sqlx::query(
            "DELETE FROM xxl_job_registry WHERE registry_group = ? AND registry_key = ? \
             AND registry_value = ?",
        )
        .arg(param.registry_group.as_str())
        .arg(param.registry_key.as_str())
        .arg(param.registry_value.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn registry_delete_dead(&self, before: NaiveDateTime) -> Result<u64> {
        let result = sqlx::query("DELETE FROM xxl_job_registry WHERE update_time < ?")
            .arg(before)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&result))
    }

    async fn registry_alive(&self, after: NaiveDateTime) -> Result<Vec<RegistryRow>> {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE update_time > ? ORDER BY id",
            sql::REGISTRY_COLUMNS
        )))
        .arg(after)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    // ---- jobs ------------------------------------------------------------------------

    async fn list_jobs(&self, filter: &JobFilter, page: Page) -> Result<(Vec<JobInfo>, i64)> {
        self.list(
            sql::JOB_COLUMNS,
            "xxl_job_info",
            &sql::job_conds(filter),
            "id DESC",
            page,
        )
        .await
    }

    async fn get_job(&self, id: i32) -> Result<Option<JobInfo>> {
        self.by_id(sql::JOB_COLUMNS, id.into()).await
    }

    async fn insert_job(&self, job: &JobInfo) -> Result<i32> {
        let mut qb = QueryBuilder::<DB>::new("INSERT INTO xxl_job_info (");
        qb.push(sql::JOB_WRITE_COLUMNS.join(", "))
            .push(") VALUES (");
        sql::push_job_values(&mut qb, job, false);
        qb.push(")");
        let result = qb.build().execute(&self.pool).await?;
        i32::try_from(DB::last_insert_id(&result))
            .map_err(|_| Error::Internal("job id out of range".into()))
    }

    async fn update_job(&self, job: &JobInfo) -> Result<bool> {
        let mut qb = QueryBuilder::<DB>::new("UPDATE xxl_job_info SET ");
        sql::push_job_values(&mut qb, job, true);
        qb.push(" WHERE id = ");
        DB::push(&mut qb, job.id.into());
        let result = qb.build().execute(&self.pool).await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    async fn update_job_guarded(
        &self,
        job: &JobInfo,
        seen_status: i8,
        seen_next: i64,
    ) -> Result<bool> {
        let mut qb = QueryBuilder::<DB>::new("UPDATE xxl_job_info SET ");
        sql::push_job_values(&mut qb, job, true);
        qb.push(" WHERE id = ");
        DB::push(&mut qb, job.id.into());
        qb.push(" AND trigger_status = ");
        DB::push(&mut qb, seen_status.into());
        qb.push(" AND trigger_next_time = ");
        DB::push(&mut qb, seen_next.into());
        let result = qb.build().execute(&self.pool).await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    async fn delete_job(&self, id: i32) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let deleted = async {
            // The job's row first, then its logs: the order a scan takes them (it locks the
            // due job, then inserts its fires). Logs first, a scan inserting this job's fires
            // meanwhile waits for the delete's lock on the logs while the delete waits for
            // the scan's lock on the job: a deadlock, and one of them fails.
            let result = sqlx::query("DELETE FROM xxl_job_info WHERE id = ?")
                .arg(id)
                .execute(&mut *tx)
                .await?;
            for statement in [
                "DELETE FROM xxl_job_log WHERE job_id = ?",
                "DELETE FROM xxl_job_logglue WHERE job_id = ?",
            ] {
                sqlx::query(statement).arg(id).execute(&mut *tx).await?;
            }
            Ok(DB::rows_affected(&result) > 0)
        }
        .await;
        finish(tx, deleted).await
    }

    async fn set_job_schedule(&self, id: i32, status: i8, last: i64, next: i64) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE xxl_job_info SET trigger_status = ?, trigger_last_time = ?, \
             trigger_next_time = ? WHERE id = ?",
        )
        .arg(status)
        .arg(last)
        .arg(next)
        .arg(id)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    // ---- the scan --------------------------------------------------------------------

    async fn schedule_scan(
        &self,
        window_end: i64,
        limit: i64,
        plan: &mut (dyn FnMut(Vec<JobSchedule>) -> ScanPlan + Send),
    ) -> Result<Vec<RecordedFire>> {
        let waiting = std::time::Instant::now();
        let mut tx = self.begin_write().await?;
        let scanned = async {
            self.lock_schedule(&mut tx).await?;
            crate::observe::series::scan_lock_waited(waiting.elapsed());
            // The due jobs are locked, not only read: the plan overwrites their schedule, and
            // a plain read in a MariaDB transaction is a snapshot, so a job changed meanwhile
            // by a conditional update outside the cluster lock (the orphan sweeper noting a
            // compensation, a console edit) would be overwritten from a stale copy: one miss
            // compensated twice. Locked, such an update waits for this commit and then sees
            // the new schedule.
            let jobs: Vec<JobSchedule> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE trigger_status = 1 AND trigger_next_time <= ? \
                 ORDER BY trigger_next_time, id LIMIT ?{}",
                rows::SCHEDULE_COLUMNS,
                DB::FOR_UPDATE
            )))
            .arg(window_end)
            .arg(limit.max(0))
            .fetch_all(&mut *tx)
            .await?;
            if jobs.is_empty() {
                return Ok(Vec::new());
            }
            let ScanPlan { updates, fires } = plan(jobs);
            for batch in sql::batches(&updates, sql::CASE_BATCH) {
                let mut st = Statement::<DB>::new("");
                sql::push_schedule_updates(&mut st, batch);
                st.query()?.execute(&mut *tx).await?;
            }
            record_fires(&mut tx, &fires).await
        }
        .await;
        // The lock is released here, on success and on failure alike.
        finish(tx, scanned).await
    }

    async fn claim_fires(&self, log_ids: &[i64]) -> Result<Vec<i64>> {
        if log_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let claimed = async {
            // Read which are still pending and lock them, then flip exactly those: the
            // answer says which fires are ours even when another admin claims some of the
            // same ids at the same moment (a bare conditional UPDATE only counts rows).
            let rows: Vec<(i64,)> = select_ids(
                &mut tx,
                "SELECT id FROM xxl_job_log",
                &id_values(log_ids),
                &format!("{}{}", sql::STILL_PENDING, DB::FOR_UPDATE),
            )
            .await?;
            let pending: Vec<i64> = rows.into_iter().map(|(id,)| id).collect();
            for batch in sql::batches(&pending, sql::ROW_BATCH) {
                let mut st = Statement::<DB>::new("UPDATE xxl_job_log SET jobwheel_fire_state = 2");
                sql::push_where_ids(&mut st, batch.iter().map(|id| Value::from(*id)));
                st.query()?.execute(&mut *tx).await?;
            }
            Ok(pending)
        }
        .await;
        finish(tx, claimed).await
    }

    async fn release_fire(&self, log_id: i64) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE xxl_job_log SET jobwheel_fire_state = 1 \
             WHERE id = ? AND jobwheel_fire_state = 2",
        )
        .arg(log_id)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    async fn note_compensation(&self, job_id: i32, missed_until: i64, at: i64) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE xxl_job_info SET trigger_last_time = ? \
             WHERE id = ? AND trigger_last_time <= ?",
        )
        .arg(at)
        .arg(job_id)
        .arg(missed_until)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    async fn orphan_fires(&self, due_before: i64, limit: i64) -> Result<Vec<JobLog>> {
        let logs = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE jobwheel_fire_state = 1 AND jobwheel_fire_at < ? \
             ORDER BY jobwheel_fire_at, id LIMIT ?",
            sql::LOG_COLUMNS
        )))
        .arg(due_before)
        .arg(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(logs)
    }

    async fn fail_stuck_claims(&self, fire_before: i64, trigger_msg: &str) -> Result<u64> {
        let result = sqlx::query(
            "UPDATE xxl_job_log SET trigger_code = 500, trigger_msg = ?, jobwheel_fire_state = 0 \
             WHERE jobwheel_fire_state = 2 AND jobwheel_fire_at < ?",
        )
        .arg(trigger_msg)
        .arg(fire_before)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result))
    }

    // ---- logs ------------------------------------------------------------------------

    async fn insert_log(&self, log: &NewLog) -> Result<i64> {
        let mut st = Statement::<DB>::new(sql::LOG_INSERT);
        sql::push_log_values(&mut st, std::slice::from_ref(log), None, None);
        let result = st.query()?.execute(&self.pool).await?;
        Ok(DB::last_insert_id(&result))
    }

    async fn record_triggers(&self, records: &[(i64, TriggerRecord)]) -> Result<u64> {
        if records.is_empty() {
            return Ok(0);
        }
        // One transaction: one commit (one log flush) for however many statements.
        let mut tx = self.begin_write().await?;
        let written = async {
            let mut written = 0;
            for batch in sql::batches(records, sql::CASE_BATCH) {
                let mut st = Statement::<DB>::new("");
                sql::push_trigger_records(&mut st, batch);
                written += DB::rows_affected(&st.query()?.execute(&mut *tx).await?);
            }
            Ok(written)
        }
        .await;
        finish(tx, written).await
    }

    async fn complete_logs(
        &self,
        log_ids: &[i64],
        handle_time: NaiveDateTime,
        decide: &mut (dyn for<'l> FnMut(&'l RunRecord) -> Option<(i32, String)> + Send),
    ) -> Result<CompletedLogs> {
        if log_ids.is_empty() {
            return Ok(CompletedLogs::default());
        }
        let mut tx = self.begin_write().await?;
        let completed = async {
            let found: Vec<RunRecord> = select_ids(
                &mut tx,
                rows::RUN_RECORD_COLUMNS,
                &id_values(log_ids),
                DB::FOR_UPDATE,
            )
            .await?;
            let results: Vec<(i64, i32, String)> = found
                .iter()
                .filter(|log| log.handle_code == 0)
                .filter_map(|log| decide(log).map(|(code, msg)| (log.id, code, msg)))
                .collect();
            for batch in sql::batches(&results, sql::CASE_BATCH) {
                let mut st = Statement::<DB>::new("");
                sql::push_run_results(&mut st, batch, handle_time);
                st.query()?.execute(&mut *tx).await?;
            }
            let written = results.into_iter().map(|(id, _, _)| id).collect();
            Ok(CompletedLogs { found, written })
        }
        .await;
        finish(tx, completed).await
    }

    async fn complete_log(
        &self,
        log_id: i64,
        handle_code: i32,
        handle_msg: &str,
        handle_time: NaiveDateTime,
    ) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE xxl_job_log SET handle_time = ?, handle_code = ?, handle_msg = ? \
             WHERE id = ? AND handle_code = 0",
        )
        .arg(handle_time)
        .arg(handle_code)
        .arg(sql::truncate_handle_msg(handle_msg))
        .arg(log_id)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    async fn child_job_lists(&self, ids: &[i32]) -> Result<Vec<(i32, String)>> {
        let ids: Vec<Value> = ids.iter().map(|id| Value::from(*id)).collect();
        let mut conn = self.pool.acquire().await?;
        select_ids(
            &mut conn,
            "SELECT id, child_jobid FROM xxl_job_info",
            &ids,
            " AND child_jobid <> ''",
        )
        .await
    }

    async fn jobs_to_dispatch(&self, ids: &[i32]) -> Result<Vec<JobDispatch>> {
        self.by_ids(
            rows::DISPATCH_COLUMNS,
            ids.iter().map(|id| Value::from(*id)),
        )
        .await
    }

    async fn get_groups(&self, ids: &[i32]) -> Result<Vec<JobGroup>> {
        let rows: Vec<GroupRow> = self
            .by_ids(sql::GROUP_COLUMNS, ids.iter().map(|id| Value::from(*id)))
            .await?;
        Ok(rows.into_iter().map(JobGroup::from).collect())
    }

    async fn get_log(&self, id: i64) -> Result<Option<JobLog>> {
        self.by_id(sql::LOG_COLUMNS, id.into()).await
    }

    async fn list_logs(&self, filter: &LogFilter, page: Page) -> Result<(Vec<JobLog>, i64)> {
        self.list(
            sql::LOG_COLUMNS,
            "xxl_job_log",
            &sql::log_conds(filter),
            "id DESC",
            page,
        )
        .await
    }

    // ---- console users ---------------------------------------------------------------

    async fn get_user(&self, id: i32) -> Result<Option<User>> {
        self.by_id(sql::USER_COLUMNS, id.into()).await
    }

    async fn get_user_by_username(&self, username: &str) -> Result<Option<User>> {
        let user = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE username = ?",
            sql::USER_COLUMNS
        )))
        .arg(username)
        .fetch_optional(&self.pool)
        .await?;
        Ok(user)
    }

    async fn list_users(&self, filter: &UserFilter, page: Page) -> Result<(Vec<User>, i64)> {
        self.list(
            sql::USER_COLUMNS,
            "xxl_job_user",
            &sql::user_conds(filter),
            "username, id",
            page,
        )
        .await
    }

    async fn insert_user(&self, user: &NewUser) -> Result<i32> {
        let result = sqlx::query(
            "INSERT INTO xxl_job_user (username, password, role, permission) VALUES (?, ?, ?, ?)",
        )
        .arg(user.username.as_str())
        .arg(user.password.as_str())
        .arg(user.role)
        .arg(user.permission.as_deref())
        .execute(&self.pool)
        .await
        .map_err(conflict(|| {
            format!("username `{}` is taken", user.username)
        }))?;
        i32::try_from(DB::last_insert_id(&result))
            .map_err(|_| Error::Internal("user id out of range".into()))
    }

    async fn update_user(&self, id: i32, role: i8, permission: Option<&str>) -> Result<bool> {
        let result = sqlx::query("UPDATE xxl_job_user SET role = ?, permission = ? WHERE id = ?")
            .arg(role)
            .arg(permission)
            .arg(id)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    async fn delete_user(&self, id: i32) -> Result<bool> {
        let result = sqlx::query("DELETE FROM xxl_job_user WHERE id = ?")
            .arg(id)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    async fn set_user_password(&self, id: i32, hash: &str, token: Option<&str>) -> Result<bool> {
        let result = sqlx::query("UPDATE xxl_job_user SET password = ?, token = ? WHERE id = ?")
            .arg(hash)
            .arg(token)
            .arg(id)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    async fn set_user_token(&self, id: i32, token: Option<&str>) -> Result<bool> {
        let result = sqlx::query("UPDATE xxl_job_user SET token = ? WHERE id = ?")
            .arg(token)
            .arg(id)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    // ---- after a fire: failures, lost results, alarms --------------------------------

    async fn failed_unalarmed_logs(&self, limit: i64) -> Result<Vec<JobLog>> {
        let logs = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE alarm_status = 0 AND {} ORDER BY id LIMIT ?",
            sql::LOG_COLUMNS,
            sql::FAILED
        )))
        .arg(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(logs)
    }

    async fn set_alarm_status(
        &self,
        log_id: i64,
        from: i8,
        to: i8,
        msg: Option<&str>,
    ) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE xxl_job_log SET alarm_status = ?, \
             jobwheel_alarm_msg = COALESCE(?, jobwheel_alarm_msg) \
             WHERE id = ? AND alarm_status = ?",
        )
        .arg(to)
        .arg(msg)
        .arg(log_id)
        .arg(from)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    async fn set_trigger_msg(&self, log_id: i64, trigger_msg: &str) -> Result<()> {
        self.set_log_text("trigger_msg", log_id, trigger_msg).await
    }

    async fn set_handle_msg(&self, log_id: i64, handle_msg: &str) -> Result<()> {
        self.set_log_text("handle_msg", log_id, sql::truncate_handle_msg(handle_msg))
            .await
    }

    async fn running_logs_before(
        &self,
        before: NaiveDateTime,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<JobLog>> {
        let logs = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE trigger_code = 200 AND handle_code = 0 AND trigger_time <= ? \
             AND id > ? ORDER BY id LIMIT ?",
            sql::LOG_COLUMNS
        )))
        .arg(before)
        .arg(after_id)
        .arg(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(logs)
    }

    // ---- reports and log cleanup -----------------------------------------------------

    async fn count_logs(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<LogCounts> {
        // COUNT(CASE …) rather than SUM: MySQL's SUM returns DECIMAL.
        let (total, running, success): (i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), \
             COUNT(CASE WHEN trigger_code IN (0, 200) AND handle_code = 0 THEN 1 END), \
             COUNT(CASE WHEN handle_code = 200 THEN 1 END) \
             FROM xxl_job_log WHERE trigger_time >= ? AND trigger_time <= ?",
        )
        .arg(from)
        .arg(to)
        .fetch_one(&self.pool)
        .await?;
        Ok(LogCounts {
            total,
            running,
            success,
        })
    }

    async fn save_report(&self, report: &LogReport) -> Result<()> {
        // UPDATE, then INSERT if nothing matched (XXL-JOB 2.x's way; portable, unlike
        // `ON DUPLICATE KEY` / `ON CONFLICT`); a racing admin's INSERT makes ours a
        // duplicate, and then our UPDATE wins.
        if self.update_report(report).await? {
            return Ok(());
        }
        let inserted = sqlx::query(
            "INSERT INTO xxl_job_log_report (trigger_day, running_count, suc_count, \
             fail_count, update_time) VALUES (?, ?, ?, ?, ?)",
        )
        .arg(report.trigger_day)
        .arg(report.running_count)
        .arg(report.suc_count)
        .arg(report.fail_count)
        .arg(report.update_time)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                self.update_report(report).await.map(|_| ())
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn list_reports(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<LogReport>> {
        let reports = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE trigger_day >= ? AND trigger_day <= ? ORDER BY trigger_day",
            sql::REPORT_COLUMNS
        )))
        .arg(from)
        .arg(to)
        .fetch_all(&self.pool)
        .await?;
        Ok(reports)
    }

    async fn log_ids_in_scope(&self, scope: &LogScope, limit: i64) -> Result<Vec<i64>> {
        let mut qb = QueryBuilder::<DB>::new("SELECT id FROM xxl_job_log");
        sql::push_where(&mut qb, &sql::scope_conds(scope));
        qb.push(" ORDER BY id LIMIT ");
        DB::push(&mut qb, limit.max(0).into());
        let rows: Vec<(i64,)> = qb.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn nth_newest_log_id(
        &self,
        job_group: Option<i32>,
        job_id: Option<i32>,
        n: i64,
    ) -> Result<Option<i64>> {
        if n < 1 {
            return Ok(None);
        }
        let scope = LogScope {
            job_group,
            job_id,
            ..LogScope::default()
        };
        let mut qb = QueryBuilder::<DB>::new("SELECT id FROM xxl_job_log");
        sql::push_where(&mut qb, &sql::scope_conds(&scope));
        qb.push(" ORDER BY id DESC LIMIT 1 OFFSET ");
        DB::push(&mut qb, (n - 1).into());
        let row: Option<(i64,)> = qb.build_query_as().fetch_optional(&self.pool).await?;
        Ok(row.map(|(id,)| id))
    }

    async fn delete_logs(&self, ids: &[i64]) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut deleted = 0;
        for batch in sql::batches(ids, sql::ROW_BATCH) {
            let mut st = Statement::<DB>::new("DELETE FROM xxl_job_log");
            sql::push_where_ids(&mut st, batch.iter().map(|id| Value::from(*id)));
            let result = st.query()?.execute(&self.pool).await?;
            deleted += DB::rows_affected(&result);
        }
        Ok(deleted)
    }

    // ---- GLUE source versions --------------------------------------------------------

    async fn save_glue(
        &self,
        job_id: i32,
        source: Option<&str>,
        remark: &str,
        now: NaiveDateTime,
        keep: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let saved = async {
            let glue_type: Option<(String,)> =
                sqlx::query_as("SELECT glue_type FROM xxl_job_info WHERE id = ?")
                    .arg(job_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((glue_type,)) = glue_type else {
                return Ok(false);
            };
            sqlx::query(
                "UPDATE xxl_job_info SET glue_source = ?, glue_remark = ?, \
                 glue_updatetime = ?, update_time = ? WHERE id = ?",
            )
            .arg(source)
            .arg(remark)
            .arg(now)
            .arg(now)
            .arg(job_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO xxl_job_logglue (job_id, glue_type, glue_source, glue_remark, \
                 add_time, update_time) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .arg(job_id)
            .arg(glue_type)
            .arg(source)
            .arg(remark)
            .arg(now)
            .arg(now)
            .execute(&mut *tx)
            .await?;
            // Keep the newest `keep`: find the oldest version kept, delete below it (no
            // `LIMIT` inside `IN (…)`, which MySQL refuses).
            let oldest_kept: Option<(i64,)> = sqlx::query_as(
                "SELECT id FROM xxl_job_logglue WHERE job_id = ? \
                 ORDER BY id DESC LIMIT 1 OFFSET ?",
            )
            .arg(job_id)
            .arg(keep.max(1) - 1)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((oldest_kept,)) = oldest_kept {
                sqlx::query("DELETE FROM xxl_job_logglue WHERE job_id = ? AND id < ?")
                    .arg(job_id)
                    .arg(oldest_kept)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(true)
        }
        .await;
        finish(tx, saved).await
    }

    async fn glue_versions(&self, job_id: i32) -> Result<Vec<GlueVersion>> {
        let versions = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE job_id = ? ORDER BY id DESC",
            sql::GLUE_COLUMNS
        )))
        .arg(job_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(versions)
    }

    async fn get_glue_version(&self, id: i32) -> Result<Option<GlueVersion>> {
        self.by_id(sql::GLUE_COLUMNS, id.into()).await
    }

    // ---- API tokens ------------------------------------------------------------------

    async fn insert_api_token(&self, token: &NewApiToken) -> Result<i32> {
        let result = sqlx::query(
            "INSERT INTO jobwheel_api_token (user_id, name, token_hash, prefix, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .arg(token.user_id)
        .arg(token.name.as_str())
        .arg(token.token_hash.as_str())
        .arg(token.prefix.as_str())
        .arg(token.created_at)
        .execute(&self.pool)
        .await
        .map_err(conflict(|| "this API token already exists".to_string()))?;
        i32::try_from(DB::last_insert_id(&result))
            .map_err(|_| Error::Internal("API token id out of range".into()))
    }

    async fn list_api_tokens(&self, user_id: Option<i32>) -> Result<Vec<ApiToken>> {
        let query = match user_id {
            Some(user_id) => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE t.user_id = ? ORDER BY t.id DESC",
                sql::API_TOKEN_COLUMNS
            )))
            .arg(user_id),
            None => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} ORDER BY t.id DESC",
                sql::API_TOKEN_COLUMNS
            ))),
        };
        Ok(query.fetch_all(&self.pool).await?)
    }

    async fn get_api_token(&self, id: i32) -> Result<Option<ApiToken>> {
        self.api_token_where("t.id = ?", id.into()).await
    }

    async fn find_active_api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        self.api_token_where(
            "t.token_hash = ? AND t.revoked_at IS NULL",
            token_hash.into(),
        )
        .await
    }

    async fn revoke_api_token(&self, id: i32, now: NaiveDateTime) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE jobwheel_api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        )
        .arg(now)
        .arg(id)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    async fn touch_api_token(
        &self,
        id: i32,
        now: NaiveDateTime,
        stale_before: NaiveDateTime,
    ) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE jobwheel_api_token SET last_used_at = ? \
             WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
        )
        .arg(now)
        .arg(id)
        .arg(stale_before)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result) > 0)
    }
}

/// Helpers of the shared implementation (same bounds as the [`Store`] impl above).
impl<DB: Dialect> SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (i32, String): FromRow<'r, DB::Row>,
{
    /// A transaction that will write (SQLite: `BEGIN IMMEDIATE`).
    async fn begin_write(&self) -> Result<Transaction<'static, DB>> {
        Ok(match DB::BEGIN_WRITE {
            Some(begin) => self.pool.begin_with(begin).await?,
            None => self.pool.begin().await?,
        })
    }

    /// Takes the cluster's schedule lock for the rest of `tx`, re-creating the lock row if
    /// someone deleted it (without it the lock would silently lock nothing).
    async fn lock_schedule(&self, tx: &mut Transaction<'static, DB>) -> Result<()> {
        let row: Option<(String,)> = sqlx::query_as(DB::LOCK_SCHEDULE)
            .fetch_optional(&mut **tx)
            .await?;
        if row.is_none() {
            tracing::warn!("the schedule_lock row was missing; re-creating it");
            sqlx::query(DB::ENSURE_LOCK_ROW).execute(&mut **tx).await?;
            sqlx::query_as::<_, (String,)>(DB::LOCK_SCHEDULE)
                .fetch_one(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Conflict when `app_name` belongs to a group other than `except`.
    async fn refuse_taken_app_name(
        &self,
        tx: &mut Transaction<'static, DB>,
        app_name: &str,
        except: Option<i32>,
    ) -> Result<()> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM xxl_job_group WHERE app_name = ? AND id <> ?")
                .arg(app_name)
                .arg(except.unwrap_or(-1))
                .fetch_one(&mut **tx)
                .await?;
        if count > 0 {
            return Err(Error::Conflict(app_name_taken(app_name)));
        }
        Ok(())
    }

    /// Sets one text column of a log row (`column` is a constant of ours, never input).
    async fn set_log_text(&self, column: &'static str, log_id: i64, text: &str) -> Result<()> {
        let result = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE xxl_job_log SET {column} = ? WHERE id = ?"
        )))
        .arg(text)
        .arg(log_id)
        .execute(&self.pool)
        .await?;
        if DB::rows_affected(&result) == 0 {
            return Err(Error::NotFound(format!("log {log_id}")));
        }
        Ok(())
    }

    /// Rewrites an existing report day; false when the day has no row yet.
    async fn update_report(&self, report: &LogReport) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE xxl_job_log_report SET running_count = ?, suc_count = ?, fail_count = ?, \
             update_time = ? WHERE trigger_day = ?",
        )
        .arg(report.running_count)
        .arg(report.suc_count)
        .arg(report.fail_count)
        .arg(report.update_time)
        .arg(report.trigger_day)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    /// Refreshes a heartbeat row's time; false when there is none.
    async fn registry_touch(&self, param: &RegistryParam, now: NaiveDateTime) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE xxl_job_registry SET update_time = ? WHERE registry_group = ? \
             AND registry_key = ? AND registry_value = ?",
        )
        .arg(now)
        .arg(param.registry_group.as_str())
        .arg(param.registry_key.as_str())
        .arg(param.registry_value.as_str())
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    /// The one API token matching `cond` (one `?`, bound to `arg`).
    async fn api_token_where(&self, cond: &str, arg: Value) -> Result<Option<ApiToken>>
    where
        for<'r> ApiToken: FromRow<'r, DB::Row>,
    {
        let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE {cond}",
            sql::API_TOKEN_COLUMNS
        )))
        .arg(arg)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    /// The row of `select` with primary key `id`.
    async fn by_id<T>(&self, select: &str, id: Value) -> Result<Option<T>>
    where
        for<'r> T: FromRow<'r, DB::Row> + Send + Unpin,
    {
        let row = sqlx::query_as(sqlx::AssertSqlSafe(format!("{select} WHERE id = ?")))
            .arg(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row)
    }

    /// The rows of `select` whose primary key is among `ids`, read in chunks.
    async fn by_ids<T>(&self, select: &str, ids: impl Iterator<Item = Value>) -> Result<Vec<T>>
    where
        for<'r> T: FromRow<'r, DB::Row> + Send + Unpin,
    {
        let ids: Vec<Value> = ids.collect();
        let mut conn = self.pool.acquire().await?;
        select_ids(&mut conn, select, &ids, "").await
    }

    /// A page of `select` rows matching `conds`, and how many match in all.
    async fn list<T>(
        &self,
        select: &str,
        table: &str,
        conds: &[Cond],
        order_by: &str,
        page: Page,
    ) -> Result<(Vec<T>, i64)>
    where
        for<'r> T: FromRow<'r, DB::Row> + Send + Unpin,
    {
        let (limit, offset) = page_bounds(page);
        let mut qb = QueryBuilder::<DB>::new(select);
        sql::push_where(&mut qb, conds);
        qb.push(" ORDER BY ").push(order_by).push(" LIMIT ");
        DB::push(&mut qb, limit.into());
        qb.push(" OFFSET ");
        DB::push(&mut qb, offset.into());
        let rows = qb.build_query_as::<T>().fetch_all(&self.pool).await?;
        let mut count = QueryBuilder::<DB>::new(format!("SELECT COUNT(*) FROM {table}"));
        sql::push_where(&mut count, conds);
        let (total,) = count
            .build_query_as::<(i64,)>()
            .fetch_one(&self.pool)
            .await?;
        Ok((rows, total))
    }
}

/// Ends `tx`: commit when `result` is a success, else roll back. Always explicitly: a
/// dropped sqlx transaction only queues its `ROLLBACK` until the connection's next use, and
/// meanwhile keeps its locks (on MySQL the cluster's `schedule_lock` row and table
/// metadata locks), so an error must never just drop it.
/// The rows of `select` (a `*_COLUMNS` constant or `SELECT id FROM …`) whose id is among
/// `ids`, read on `conn` in [`sql::batches`], each statement ending in `suffix` (e.g. a
/// state condition and `FOR UPDATE`).
async fn select_ids<DB: Dialect, T>(
    conn: &mut DB::Connection,
    select: &str,
    ids: &[Value],
    suffix: &str,
) -> Result<Vec<T>>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> T: FromRow<'r, DB::Row> + Send + Unpin,
{
    let mut rows = Vec::with_capacity(ids.len());
    for batch in sql::batches(ids, sql::ROW_BATCH) {
        let mut st = Statement::<DB>::new("");
        sql::push_select_ids(&mut st, select, batch.iter().cloned(), suffix);
        rows.extend(st.query_as::<T>()?.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// Log ids as bind values.
fn id_values(ids: &[i64]) -> Vec<Value> {
    ids.iter().map(|id| Value::from(*id)).collect()
}

async fn finish<DB: Dialect, T>(tx: Transaction<'static, DB>, result: Result<T>) -> Result<T> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(%rollback, "rollback failed");
            }
            Err(error)
        }
    }
}

/// Inserts a scan's fires as `Pending` log rows and returns their ids.
///
/// Where the database promises that the rows of one multi-row insert get consecutive ids
/// ([`Dialect::INSERT_ID_STEP`]; MySQL/MariaDB with `innodb_autoinc_lock_mode` ≤ 1), they are
/// counted from each statement's `last_insert_id`, which is the id of its first row.
/// Elsewhere (interleaved ids, SQLite) they are read back by a random per-scan token
/// (`jobwheel_batch`) above the largest id seen before the insert; ids only grow, so that
/// range scan on the primary key stays short.
async fn record_fires<DB: Dialect>(
    tx: &mut Transaction<'static, DB>,
    fires: &[NewLog],
) -> Result<Vec<RecordedFire>>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
    for<'r> FireRow: FromRow<'r, DB::Row>,
{
    if fires.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(query) = DB::INSERT_ID_STEP {
        // A server that does not know the variables (a MySQL-compatible one without InnoDB)
        // gets the read-back; a lost connection fails there too.
        let step = sqlx::query_as::<DB, (i64,)>(query)
            .fetch_one(&mut **tx)
            .await
            .map_or(0, |(step,)| step);
        if step > 0 {
            return insert_fires_numbered(tx, fires, step).await;
        }
    }
    let (max_before,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM xxl_job_log")
        .fetch_one(&mut **tx)
        .await?;
    let token = rand::random::<i64>();
    for batch in sql::batches(fires, sql::ROW_BATCH) {
        insert_fire_batch(tx, batch, Some(token)).await?;
    }
    let read_back: Vec<FireRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{} WHERE id > ? AND jobwheel_batch = ? ORDER BY id",
        rows::FIRE_COLUMNS
    )))
    .arg(max_before)
    .arg(token)
    .fetch_all(&mut **tx)
    .await?;
    if read_back.len() != fires.len() {
        return Err(Error::Internal(format!(
            "scan inserted {} fires but read back {}",
            fires.len(),
            read_back.len()
        )));
    }
    Ok(read_back
        .into_iter()
        .map(|row| RecordedFire {
            log_id: row.id,
            job_id: row.job_id,
            fire_at: row.jobwheel_fire_at.unwrap_or_default(),
        })
        .collect())
}

/// Inserts fires whose ids are `first, first + step, …` within each statement.
async fn insert_fires_numbered<DB: Dialect>(
    tx: &mut Transaction<'static, DB>,
    fires: &[NewLog],
    step: i64,
) -> Result<Vec<RecordedFire>>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let mut recorded = Vec::with_capacity(fires.len());
    for batch in sql::batches(fires, sql::ROW_BATCH) {
        let result = insert_fire_batch(tx, batch, None).await?;
        let inserted = DB::rows_affected(&result);
        if usize::try_from(inserted).ok() != Some(batch.len()) {
            return Err(Error::Internal(format!(
                "scan inserted {inserted} of {} fires",
                batch.len()
            )));
        }
        let first = DB::last_insert_id(&result);
        recorded.extend(batch.iter().zip(0..).map(|(fire, k)| RecordedFire {
            log_id: first + k * step,
            job_id: fire.job_id,
            fire_at: fire.fire_at,
        }));
    }
    Ok(recorded)
}

/// Inserts one statement's worth of a scan's fires as `Pending` log rows, tagged with
/// `token` when they are to be read back by it.
async fn insert_fire_batch<DB: Dialect>(
    tx: &mut Transaction<'static, DB>,
    batch: &[NewLog],
    token: Option<i64>,
) -> Result<DB::QueryResult>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let mut st = Statement::<DB>::new(sql::LOG_INSERT);
    sql::push_log_values(&mut st, batch, Some(FireState::Pending), token);
    Ok(st.query()?.execute(&mut **tx).await?)
}

/// A group's columns in the order `app_name, title, address_type, address_list,
/// update_time, jobwheel_access_token, jobwheel_protocol`.
fn group_values(fields: &GroupFields, now: NaiveDateTime) -> [Value; 7] {
    [
        (&fields.app_name).into(),
        (&fields.title).into(),
        fields.address_type.as_db().into(),
        (&fields.address_list).into(),
        now.into(),
        (&fields.access_token).into(),
        fields.protocol.map(protocol_to_db).into(),
    ]
}

fn app_name_taken(app_name: &str) -> String {
    format!("an executor group with app name `{app_name}` already exists")
}
