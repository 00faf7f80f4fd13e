//! SQL text and query building shared by both dialects.
//!
//! Column lists are explicit (never `SELECT *`) because an adopted XXL-JOB database may
//! carry columns of other versions. User input only ever reaches SQL as a bound parameter;
//! LIKE patterns are escaped so `%`, `_` and `!` in a filter match themselves.

use chrono::{NaiveDateTime, Timelike};
use sqlx::QueryBuilder;
use sqlx::query_builder::Separated;

use super::bind::{Binder, Value};
use super::model::{
    FireState, GroupFilter, JobFilter, JobInfo, LogFilter, LogScope, LogStatus, NewLog,
    ScheduleUpdate, TriggerRecord, UserFilter,
};
use super::statement::Statement;

pub(crate) const GROUP_COLUMNS: &str = "SELECT id, app_name, title, address_type, address_list, \
     update_time, jobwheel_access_token, jobwheel_protocol FROM xxl_job_group";

pub(crate) const JOB_COLUMNS: &str = "SELECT id, job_group, job_desc, add_time, update_time, \
     author, alarm_email, schedule_type, schedule_conf, misfire_strategy, \
     executor_route_strategy, executor_handler, executor_param, executor_block_strategy, \
     executor_timeout, executor_fail_retry_count, glue_type, glue_source, glue_remark, \
     glue_updatetime, child_jobid, trigger_status, trigger_last_time, trigger_next_time, \
     jobwheel_time_zone, jobwheel_alarm_webhook FROM xxl_job_info";

pub(crate) const LOG_COLUMNS: &str = "SELECT id, job_group, job_id, executor_address, \
     executor_handler, executor_param, executor_sharding_param, executor_fail_retry_count, \
     trigger_time, trigger_code, trigger_msg, handle_time, handle_code, handle_msg, \
     alarm_status, jobwheel_fire_at, jobwheel_fire_state, jobwheel_trigger_type, \
     jobwheel_alarm_msg FROM xxl_job_log";

pub(crate) const GLUE_COLUMNS: &str = "SELECT id, job_id, glue_type, glue_source, glue_remark, \
     add_time, update_time FROM xxl_job_logglue";

pub(crate) const REPORT_COLUMNS: &str = "SELECT trigger_day, running_count, suc_count, \
     fail_count, update_time FROM xxl_job_log_report";

/// The fail monitor's definition of failed (PROTOCOL.md §6.1).
pub(crate) const FAILED: &str =
    "NOT ((trigger_code IN (0, 200) AND handle_code = 0) OR handle_code = 200)";

pub(crate) const USER_COLUMNS: &str =
    "SELECT id, username, password, token, role, permission FROM xxl_job_user";

pub(crate) const API_TOKEN_COLUMNS: &str = "SELECT t.id, t.user_id, \
     COALESCE(u.username, '') AS username, t.name, t.token_hash, t.prefix, t.created_at, \
     t.last_used_at, t.revoked_at FROM jobwheel_api_token t LEFT JOIN xxl_job_user u ON u.id = t.user_id";

pub(crate) const REGISTRY_COLUMNS: &str =
    "SELECT id, registry_group, registry_key, registry_value, update_time FROM xxl_job_registry";

/// The columns a job's insert and update write, in bind order of [`push_job_values`].
pub(crate) const JOB_WRITE_COLUMNS: [&str; 25] = [
    "job_group",
    "job_desc",
    "add_time",
    "update_time",
    "author",
    "alarm_email",
    "schedule_type",
    "schedule_conf",
    "misfire_strategy",
    "executor_route_strategy",
    "executor_handler",
    "executor_param",
    "executor_block_strategy",
    "executor_timeout",
    "executor_fail_retry_count",
    "glue_type",
    "glue_source",
    "glue_remark",
    "glue_updatetime",
    "child_jobid",
    "trigger_status",
    "trigger_last_time",
    "trigger_next_time",
    "jobwheel_time_zone",
    "jobwheel_alarm_webhook",
];

/// Columns of a new log row, in bind order of [`push_log_values`].
pub(crate) const LOG_INSERT: &str = "INSERT INTO xxl_job_log (job_group, job_id, trigger_time, \
     trigger_code, handle_code, executor_fail_retry_count, executor_param, \
     executor_sharding_param, jobwheel_fire_at, jobwheel_fire_state, jobwheel_trigger_type, \
     jobwheel_batch) ";

/// Appended to a select of log ids to keep only fires still `Pending` (the claim). The `+`
/// keeps SQLite on the id list rather than the fire-state index (see [`push_case_update`]).
pub(crate) const STILL_PENDING: &str = " AND +jobwheel_fire_state = 1";

/// Most rows per `IN (…)` list or multi-row `INSERT`: far below both databases' parameter
/// limits (SQLite 32,766; MySQL 65,535) and small enough to keep each statement short.
pub(crate) const ROW_BATCH: usize = 512;

/// Most rows per `UPDATE … CASE id WHEN …` ([`push_case_update`]). MariaDB walks the
/// `WHEN`s of each `CASE` in order for every row it updates, so a statement costs the square
/// of its rows: writing 1,000 rows of the recorder's eight columns took 25 ms of server time
/// in statements of 500 rows, 16 in 256, 10.5 in 128, 9.5 in 64, 11 in 32 and 17 in 16
/// (BENCHMARKS.md, "CASE updates").
pub(crate) const CASE_BATCH: usize = 64;

/// `items` cut into statement-sized chunks whose sizes are powers of two: chunks of `max`
/// (itself a power of two) while that many are left, then the rest by its binary digits
/// (1,000 rows with `max` 512 go as 512, 256, 128, 64, 32 and 8).
///
/// Why: every distinct number of rows is a distinct statement text, which both databases
/// prepare and sqlx caches per connection. Batches of arbitrary sizes made each batch a new
/// prepare and churned the statement cache; this way at most log2(`max`) + 1 statements per
/// kind of batch ever exist, each prepared once per connection. SQLite's batch statements
/// were once left uncached (each a prepare per execution) to save the memory of compiled
/// statements; preparing them was then 63 % of an SQLite admin's instructions, so they are
/// cached too (BENCHMARKS.md "What was changed" 20: CPU per fire halved, peak RSS +15 MiB).
pub(crate) fn batches<T>(items: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    debug_assert!(max.is_power_of_two());
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let len = rest.len().min(max);
        // The largest power of two not above `len`.
        let size = 1 << len.ilog2();
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        Some(chunk)
    })
}

/// The longest `handle_msg` kept, in characters (XXL-JOB's limit).
pub(crate) const HANDLE_MSG_MAX_CHARS: usize = 15_000;

/// A DATETIME as both databases store it: whole seconds (MySQL would round, SQLite keep
/// fractions), so the same value reads back from either.
pub(crate) fn seconds(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(0).unwrap_or(t)
}

/// `%text%` with LIKE's wildcards escaped by `!` (used as `LIKE ? ESCAPE '!'`, which both
/// databases read the same way, unlike a backslash).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Cuts `msg` to [`HANDLE_MSG_MAX_CHARS`] characters.
pub(crate) fn truncate_handle_msg(msg: &str) -> &str {
    match msg.char_indices().nth(HANDLE_MSG_MAX_CHARS) {
        Some((end, _)) => &msg[..end],
        None => msg,
    }
}

/// One condition of a list query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    /// `column = value`.
    Eq(&'static str, i64),
    /// `column LIKE %value% ESCAPE '!'`.
    Contains(&'static str, String),
    /// `column >= value`.
    From(&'static str, NaiveDateTime),
    /// `column <= value`.
    To(&'static str, NaiveDateTime),
    /// `column < value`.
    Below(&'static str, i64),
    /// Fixed SQL without parameters.
    Sql(&'static str),
}

pub(crate) fn group_conds(filter: &GroupFilter) -> Vec<Cond> {
    let mut conds = Vec::new();
    contains(&mut conds, "app_name", &filter.app_name);
    contains(&mut conds, "title", &filter.title);
    conds
}

pub(crate) fn job_conds(filter: &JobFilter) -> Vec<Cond> {
    let mut conds = Vec::new();
    if let Some(group) = filter.job_group {
        conds.push(Cond::Eq("job_group", group.into()));
    }
    if let Some(status) = filter.trigger_status {
        conds.push(Cond::Eq("trigger_status", status.into()));
    }
    contains(&mut conds, "job_desc", &filter.job_desc);
    contains(&mut conds, "executor_handler", &filter.executor_handler);
    contains(&mut conds, "author", &filter.author);
    conds
}

pub(crate) fn log_conds(filter: &LogFilter) -> Vec<Cond> {
    let mut conds = Vec::new();
    if let Some(group) = filter.job_group {
        conds.push(Cond::Eq("job_group", group.into()));
    }
    if let Some(job) = filter.job_id {
        conds.push(Cond::Eq("job_id", job.into()));
    }
    if let Some(status) = filter.status {
        // PROTOCOL.md §6.1, the console's `logStatus`.
        conds.push(Cond::Sql(match status {
            LogStatus::Success => "handle_code = 200",
            LogStatus::Failure => "(trigger_code NOT IN (0, 200) OR handle_code NOT IN (0, 200))",
            LogStatus::Running => "(trigger_code = 200 AND handle_code = 0)",
        }));
    }
    if let Some(from) = filter.from {
        conds.push(Cond::From("trigger_time", seconds(from)));
    }
    if let Some(to) = filter.to {
        conds.push(Cond::To("trigger_time", seconds(to)));
    }
    conds
}

pub(crate) fn user_conds(filter: &UserFilter) -> Vec<Cond> {
    let mut conds = Vec::new();
    contains(&mut conds, "username", &filter.username);
    if let Some(role) = filter.role {
        conds.push(Cond::Eq("role", role.into()));
    }
    conds
}

/// Conditions of a clear or cleanup batch.
pub(crate) fn scope_conds(scope: &LogScope) -> Vec<Cond> {
    let mut conds = Vec::new();
    if let Some(group) = scope.job_group {
        conds.push(Cond::Eq("job_group", group.into()));
    }
    if let Some(job) = scope.job_id {
        conds.push(Cond::Eq("job_id", job.into()));
    }
    if let Some(before) = scope.before {
        conds.push(Cond::To("trigger_time", seconds(before)));
    }
    if let Some(below) = scope.below_id {
        conds.push(Cond::Below("id", below));
    }
    conds
}

/// Blank filters filter nothing.
fn contains(conds: &mut Vec<Cond>, column: &'static str, value: &Option<String>) {
    if let Some(text) = value.as_deref().filter(|t| !t.is_empty()) {
        conds.push(Cond::Contains(column, contains_pattern(text)));
    }
}

/// Appends ` WHERE a AND b …` (nothing for no conditions).
pub(crate) fn push_where<DB: Binder>(qb: &mut QueryBuilder<DB>, conds: &[Cond]) {
    for (i, cond) in conds.iter().enumerate() {
        qb.push(if i == 0 { " WHERE " } else { " AND " });
        let (column, operator, value) = match cond {
            Cond::Eq(column, value) => (column, " = ", Value::from(*value)),
            Cond::Contains(column, pattern) => (column, " LIKE ", Value::from(pattern)),
            Cond::From(column, time) => (column, " >= ", Value::from(*time)),
            Cond::To(column, time) => (column, " <= ", Value::from(*time)),
            Cond::Below(column, value) => (column, " < ", Value::from(*value)),
            Cond::Sql(sql) => {
                qb.push(sql);
                continue;
            }
        };
        qb.push(column).push(operator);
        DB::push(qb, value);
        if matches!(cond, Cond::Contains(..)) {
            qb.push(" ESCAPE '!'");
        }
    }
}

/// Binds `values` as the items of a separated list (`?, ?, …`).
fn push_list<DB: Binder>(
    list: &mut Separated<'_, DB, &'static str>,
    values: impl IntoIterator<Item = Value>,
) {
    for value in values {
        list.push("");
        DB::push_unseparated(list, value);
    }
}

/// A job's values in the order of [`JOB_WRITE_COLUMNS`].
fn job_values(job: &JobInfo) -> [Value; 25] {
    [
        job.job_group.into(),
        (&job.job_desc).into(),
        job.add_time.into(),
        job.update_time.into(),
        (&job.author).into(),
        (&job.alarm_email).into(),
        (&job.schedule_type).into(),
        (&job.schedule_conf).into(),
        (&job.misfire_strategy).into(),
        (&job.executor_route_strategy).into(),
        (&job.executor_handler).into(),
        (&job.executor_param).into(),
        (&job.executor_block_strategy).into(),
        job.executor_timeout.into(),
        job.executor_fail_retry_count.into(),
        (&job.glue_type).into(),
        (&job.glue_source).into(),
        (&job.glue_remark).into(),
        job.glue_updatetime.into(),
        (&job.child_jobid).into(),
        job.trigger_status.into(),
        job.trigger_last_time.into(),
        job.trigger_next_time.into(),
        (&job.time_zone).into(),
        (&job.alarm_webhook).into(),
    ]
}

/// A job's [`JOB_WRITE_COLUMNS`] values: `?, ?, …` for an INSERT's `VALUES (…)`, or
/// `col_a = ?, col_b = ?, …` for an UPDATE's `SET` (`assign`).
pub(crate) fn push_job_values<DB: Binder>(qb: &mut QueryBuilder<DB>, job: &JobInfo, assign: bool) {
    let mut list = qb.separated(", ");
    if !assign {
        push_list(&mut list, job_values(job));
        return;
    }
    for (column, value) in JOB_WRITE_COLUMNS.iter().zip(job_values(job)) {
        list.push(column).push_unseparated(" = ");
        DB::push_unseparated(&mut list, value);
    }
}

/// `VALUES (…), (…)` of new log rows in the order of [`LOG_INSERT`]; `state` overrides
/// each row's fire state, `batch` tags the rows with a scan's token.
pub(crate) fn push_log_values<DB: Binder>(
    st: &mut Statement<DB>,
    logs: &[NewLog],
    state: Option<FireState>,
    batch: Option<i64>,
) {
    st.push("VALUES ");
    for (i, log) in logs.iter().enumerate() {
        st.push(if i == 0 { "(" } else { ", (" });
        st.list([
            log.job_group.into(),
            log.job_id.into(),
            log.trigger_time.into(),
            Value::Int(0),
            Value::Int(0),
            log.executor_fail_retry_count.into(),
            (&log.executor_param).into(),
            (&log.executor_sharding_param).into(),
            log.fire_at.into(),
            state.unwrap_or(log.fire_state).as_db().into(),
            (&log.trigger_type).into(),
            batch.into(),
        ]);
        st.push(")");
    }
}

/// A column of a [`push_case_update`] and how to get its value from a row (`None` keeps
/// the row's current value).
pub(crate) type CaseColumn<'a, R> = (&'a str, &'a dyn Fn(&R) -> Option<Value>);

/// One `UPDATE` of many rows of `table`, each getting its own values:
/// `SET col = CASE id WHEN ? THEN ? … ELSE col END, … WHERE <guard> id IN (…)`.
///
/// Why: writing a batch row by row costs a round trip (and, outside a transaction, a commit)
/// per row; the scan and the dispatch path write hundreds of rows a second. A column whose
/// getter yields `None` for a row keeps that row's value; a column no row sets is left out.
/// `guard` (e.g. `"+trigger_status = 1 AND "`) narrows the rows written.
///
/// A guard's column carries a unary `+`, which keeps SQLite's planner on the
/// `id IN (…)` list: without it SQLite chose the guard column's index and walked every
/// enabled job (the scan of 100,000 jobs: 13.8 ms of CPU per scan instead of 1–2, BENCHMARKS.md
/// "What was changed" 19). MySQL reads `+col` as `col` and picks by its statistics.
pub(crate) fn push_case_update<DB: Binder, R>(
    st: &mut Statement<DB>,
    table: &str,
    guard: &str,
    rows: &[R],
    id: impl Fn(&R) -> Value,
    columns: &[CaseColumn<'_, R>],
) {
    st.push("UPDATE ").push(table).push(" SET ");
    let mut first = true;
    for (column, value) in columns {
        if !rows.iter().any(|r| value(r).is_some()) {
            continue;
        }
        if !first {
            st.push(", ");
        }
        first = false;
        st.push(column).push(" = CASE id");
        for row in rows {
            if let Some(v) = value(row) {
                st.push(" WHEN ").bind(id(row)).push(" THEN ").bind(v);
            }
        }
        st.push(" ELSE ").push(column).push(" END");
    }
    st.push(" WHERE ").push(guard).push("id IN (");
    st.list(rows.iter().map(id));
    st.push(")");
}

/// One `UPDATE` of many jobs' schedule state, guarded by `trigger_status = 1` so a job
/// stopped meanwhile stays stopped.
pub(crate) fn push_schedule_updates<DB: Binder>(
    st: &mut Statement<DB>,
    updates: &[ScheduleUpdate],
) {
    push_case_update(
        st,
        "xxl_job_info",
        "+trigger_status = 1 AND ",
        updates,
        |u| u.job_id.into(),
        &[
            ("trigger_last_time", &|u| Some(u.last.into())),
            ("trigger_next_time", &|u| Some(u.next.into())),
            ("trigger_status", &|u| u.status.map(Value::from)),
        ],
    );
}

/// One `UPDATE` writing many fires' trigger outcomes and marking them done.
pub(crate) fn push_trigger_records<DB: Binder>(
    st: &mut Statement<DB>,
    records: &[(i64, TriggerRecord)],
) {
    push_case_update(
        st,
        "xxl_job_log",
        "",
        records,
        |(id, _)| (*id).into(),
        &[
            ("trigger_code", &|(_, r)| Some(r.trigger_code.into())),
            ("trigger_msg", &|(_, r)| Some((&r.trigger_msg).into())),
            ("executor_address", &|(_, r)| {
                Some((&r.executor_address).into())
            }),
            ("executor_handler", &|(_, r)| {
                Some((&r.executor_handler).into())
            }),
            ("executor_param", &|(_, r)| Some((&r.executor_param).into())),
            ("executor_sharding_param", &|(_, r)| {
                Some((&r.executor_sharding_param).into())
            }),
            ("executor_fail_retry_count", &|(_, r)| {
                Some(r.executor_fail_retry_count.into())
            }),
            ("jobwheel_fire_state", &|_| {
                Some(FireState::Done.as_db().into())
            }),
        ],
    );
}

/// One `UPDATE` writing many runs' results (`handle_time` shared).
pub(crate) fn push_run_results<DB: Binder>(
    st: &mut Statement<DB>,
    results: &[(i64, i32, String)],
    handle_time: NaiveDateTime,
) {
    push_case_update(
        st,
        "xxl_job_log",
        "+handle_code = 0 AND ",
        results,
        |(id, _, _)| (*id).into(),
        &[
            ("handle_time", &|_| Some(handle_time.into())),
            ("handle_code", &|(_, code, _)| Some((*code).into())),
            ("handle_msg", &|(_, _, msg)| {
                Some(truncate_handle_msg(msg).into())
            }),
        ],
    );
}

/// ` WHERE id IN (…)`.
pub(crate) fn push_where_ids<DB: Binder>(
    st: &mut Statement<DB>,
    ids: impl IntoIterator<Item = Value>,
) {
    st.push(" WHERE id IN (").list(ids).push(")");
}

/// `SELECT … WHERE id IN (…)` over `select` (a `*_COLUMNS` constant), `suffix` appended
/// (e.g. `FOR UPDATE`).
pub(crate) fn push_select_ids<DB: Binder>(
    st: &mut Statement<DB>,
    select: &str,
    ids: impl IntoIterator<Item = Value>,
    suffix: &str,
) {
    st.push(select);
    push_where_ids(st, ids);
    st.push(suffix);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_powers_of_two_up_to_the_limit_and_cover_every_item_once() {
        let sizes = |n: usize, max: usize| -> Vec<usize> {
            let items: Vec<usize> = (0..n).collect();
            let chunks: Vec<&[usize]> = batches(&items, max).collect();
            let joined: Vec<usize> = chunks.concat();
            assert_eq!(joined, items, "every item once, in order");
            chunks.iter().map(|c| c.len()).collect()
        };
        assert_eq!(sizes(1000, 512), [512, 256, 128, 64, 32, 8]);
        assert_eq!(sizes(200, 64), [64, 64, 64, 8]);
        assert_eq!(sizes(64, 64), [64]);
        assert_eq!(sizes(3, 64), [2, 1]);
        assert_eq!(sizes(0, 64), Vec::<usize>::new());
        for n in 0..300 {
            for size in sizes(n, 64) {
                assert!(size.is_power_of_two() && size <= 64, "{n}: {size}");
            }
        }
    }

    #[test]
    fn batch_statements_read_as_the_sql_they_stand_for() {
        let updates = [
            ScheduleUpdate {
                job_id: 1,
                last: 10,
                next: 20,
                status: None,
            },
            ScheduleUpdate {
                job_id: 2,
                last: 11,
                next: 21,
                status: Some(0),
            },
        ];
        let mut st = Statement::<sqlx::MySql>::new("");
        push_schedule_updates(&mut st, &updates);
        assert_eq!(
            st.sql(),
            "UPDATE xxl_job_info SET trigger_last_time = CASE id WHEN ? THEN ? WHEN ? THEN ? \
             ELSE trigger_last_time END, trigger_next_time = CASE id WHEN ? THEN ? WHEN ? THEN ? \
             ELSE trigger_next_time END, trigger_status = CASE id WHEN ? THEN ? \
             ELSE trigger_status END WHERE +trigger_status = 1 AND id IN (?, ?)"
        );

        let mut st = Statement::<sqlx::Sqlite>::new("SELECT id FROM xxl_job_log");
        push_select_ids(&mut st, "", [Value::Long(1), Value::Long(2)], " FOR UPDATE");
        assert_eq!(
            st.sql(),
            "SELECT id FROM xxl_job_log WHERE id IN (?, ?) FOR UPDATE"
        );

        let log = NewLog::default();
        let mut st = Statement::<sqlx::MySql>::new(LOG_INSERT);
        push_log_values(&mut st, &[log.clone(), log], None, Some(7));
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        assert_eq!(st.sql(), format!("{LOG_INSERT}VALUES {row}, {row}"));
    }

    #[test]
    fn like_wildcards_and_the_escape_char_are_escaped() {
        assert_eq!(contains_pattern("50%_a!b'"), "%50!%!_a!!b'%");
        assert_eq!(contains_pattern(""), "%%");
    }

    #[test]
    fn handle_msg_is_cut_at_a_char_boundary() {
        let long = "é".repeat(HANDLE_MSG_MAX_CHARS + 10);
        assert_eq!(
            truncate_handle_msg(&long).chars().count(),
            HANDLE_MSG_MAX_CHARS
        );
        assert_eq!(truncate_handle_msg("short"), "short");
    }

    #[test]
    fn blank_filters_filter_nothing() {
        let filter = JobFilter {
            job_desc: Some(String::new()),
            ..JobFilter::default()
        };
        assert!(job_conds(&filter).is_empty());
    }
}
