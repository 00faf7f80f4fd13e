//! The rows the store reads and writes, named after XXL-JOB's tables (PROTOCOL.md §7).
//!
//! Column names in comments are the MySQL ones; Jobwheel's additions are prefixed
//! `jobwheel_` so an XXL-JOB database keeps working for a Java admin beside us.
//! DATETIME columns are naive local times in the admin's configured time zone, as XXL-JOB
//! writes them; `trigger_*_time` and fire times are epoch milliseconds.

use chrono::NaiveDateTime;
use jobwheel_executor::protocol::ProtocolGeneration;
use serde::Serialize;

/// `xxl_job_group.address_type`: how a group learns its executors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AddressType {
    /// 0: addresses come from executor heartbeats.
    #[default]
    Auto,
    /// 1: addresses are typed by an operator.
    Manual,
}

impl AddressType {
    /// The TINYINT stored in the database.
    pub fn as_db(self) -> i8 {
        match self {
            Self::Auto => 0,
            Self::Manual => 1,
        }
    }

    /// Reads the TINYINT; anything but 1 is auto, as XXL-JOB does.
    pub fn from_db(value: i8) -> Self {
        if value == 1 { Self::Manual } else { Self::Auto }
    }
}

/// An executor group (`xxl_job_group`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobGroup {
    /// `id`.
    pub id: i32,
    /// `app_name`: the executors' app name, unique.
    pub app_name: String,
    /// `title` (`name` in 3.5): display name.
    pub title: String,
    /// `address_type`.
    pub address_type: AddressType,
    /// `address_list`: comma-separated executor base URLs.
    pub address_list: Option<String>,
    /// `update_time`.
    pub update_time: Option<NaiveDateTime>,
    /// `access_token` (3.5): per-group token, when set.
    pub access_token: Option<String>,
    /// `jobwheel_protocol`: the protocol generation of the group's executors; `None` means
    /// detect and cache.
    pub protocol: Option<ProtocolGeneration>,
}

impl JobGroup {
    /// The addresses of `address_list`, trimmed, blanks dropped, in stored order.
    pub fn addresses(&self) -> Vec<String> {
        split_addresses(self.address_list.as_deref())
    }
}

/// Splits a comma-separated address list.
pub fn split_addresses(list: Option<&str>) -> Vec<String> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// Fields of a group that a user sets (insert and update).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupFields {
    /// `app_name`.
    pub app_name: String,
    /// `title`.
    pub title: String,
    /// `address_type`.
    pub address_type: AddressType,
    /// `address_list` (manual groups).
    pub address_list: Option<String>,
    /// `access_token`.
    pub access_token: Option<String>,
    /// `jobwheel_protocol`.
    pub protocol: Option<ProtocolGeneration>,
}

/// A job (`xxl_job_info`).
#[derive(Debug, Clone, PartialEq, Serialize, Default, sqlx::FromRow)]
pub struct JobInfo {
    /// `id`.
    pub id: i32,
    /// `job_group`.
    pub job_group: i32,
    /// `job_desc` (`name` in 3.5).
    pub job_desc: String,
    /// `add_time`.
    pub add_time: Option<NaiveDateTime>,
    /// `update_time`.
    pub update_time: Option<NaiveDateTime>,
    /// `author`.
    pub author: Option<String>,
    /// `alarm_email`: comma-separated.
    pub alarm_email: Option<String>,
    /// `schedule_type`: NONE, CRON, FIX_RATE.
    pub schedule_type: String,
    /// `schedule_conf`: cron expression or seconds.
    pub schedule_conf: Option<String>,
    /// `misfire_strategy`: DO_NOTHING, FIRE_ONCE_NOW.
    pub misfire_strategy: String,
    /// `executor_route_strategy`.
    pub executor_route_strategy: Option<String>,
    /// `executor_handler`.
    pub executor_handler: Option<String>,
    /// `executor_param`.
    pub executor_param: Option<String>,
    /// `executor_block_strategy`.
    pub executor_block_strategy: Option<String>,
    /// `executor_timeout`: seconds.
    pub executor_timeout: i32,
    /// `executor_fail_retry_count`.
    pub executor_fail_retry_count: i32,
    /// `glue_type`.
    pub glue_type: String,
    /// `glue_source`.
    pub glue_source: Option<String>,
    /// `glue_remark`.
    pub glue_remark: Option<String>,
    /// `glue_updatetime`.
    pub glue_updatetime: Option<NaiveDateTime>,
    /// `child_jobid`: comma-separated job ids.
    pub child_jobid: Option<String>,
    /// `trigger_status`: 0 stopped, 1 running.
    pub trigger_status: i8,
    /// `trigger_last_time`: epoch ms.
    pub trigger_last_time: i64,
    /// `trigger_next_time`: epoch ms.
    pub trigger_next_time: i64,
    /// `jobwheel_time_zone`: IANA zone of the schedule; `None` means the admin's default.
    #[sqlx(rename = "jobwheel_time_zone")]
    pub time_zone: Option<String>,
    /// `jobwheel_alarm_webhook`: where this job's webhook alarms go; `None` means the
    /// admin's `alarm_webhook_url`, if any.
    #[sqlx(rename = "jobwheel_alarm_webhook")]
    pub alarm_webhook: Option<String>,
}

/// The part of a job the scan reads: what it needs to plan the job's fires and its next
/// time. The scan reads every due job every second; the whole row (handler, parameters,
/// GLUE source, alarm settings) is read again, fresh, when each fire is dispatched.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobSchedule {
    /// `id`.
    pub id: i32,
    /// `job_group`.
    pub job_group: i32,
    /// `schedule_type`: NONE, CRON, FIX_RATE.
    pub schedule_type: String,
    /// `schedule_conf`: cron expression or seconds.
    pub schedule_conf: Option<String>,
    /// `misfire_strategy`: DO_NOTHING, FIRE_ONCE_NOW.
    pub misfire_strategy: String,
    /// `executor_fail_retry_count`: stamped on each fire's intent.
    pub executor_fail_retry_count: i32,
    /// `trigger_last_time`: epoch ms.
    pub trigger_last_time: i64,
    /// `trigger_next_time`: epoch ms.
    pub trigger_next_time: i64,
    /// `jobwheel_time_zone`: IANA zone of the schedule; `None` means the admin's default.
    pub time_zone: Option<String>,
}

/// The part of a job a trigger sends: read fresh for every batch of fires the intake admits
/// (a thousand rows a second at 1,000 fires/s), so it is the ten columns routing and the
/// executor call need rather than the whole row (description, schedule, alarm settings),
/// which halves what the database sends and the admin decodes per fire.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobDispatch {
    /// `id`.
    pub id: i32,
    /// `job_group`.
    pub job_group: i32,
    /// `executor_route_strategy`.
    pub executor_route_strategy: Option<String>,
    /// `executor_handler`.
    pub executor_handler: Option<String>,
    /// `executor_param`.
    pub executor_param: Option<String>,
    /// `executor_block_strategy`.
    pub executor_block_strategy: Option<String>,
    /// `executor_timeout`: seconds.
    pub executor_timeout: i32,
    /// `glue_type`.
    pub glue_type: String,
    /// `glue_source`.
    pub glue_source: Option<String>,
    /// `glue_updatetime`.
    pub glue_updatetime: Option<NaiveDateTime>,
}

/// One heartbeat row (`xxl_job_registry`).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RegistryRow {
    /// `id`.
    pub id: i64,
    /// `registry_group`: `EXECUTOR`.
    pub registry_group: String,
    /// `registry_key`: app name.
    pub registry_key: String,
    /// `registry_value`: executor address.
    pub registry_value: String,
    /// `update_time`: last beat, admin clock.
    pub update_time: Option<NaiveDateTime>,
}

/// `xxl_job_log.jobwheel_fire_state`: where a fire is in its life.
///
/// A scheduled fire is written as a log row in the scan's transaction (a durable intent)
/// before it waits on the time wheel; exactly one admin may move it from `Pending` to
/// `Claimed` and call the executor. Rows written by XXL-JOB itself carry `Done`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FireState {
    /// 0: triggered (or written by XXL-JOB); nothing left to dispatch.
    #[default]
    Done,
    /// 1: a durable intent waiting for its time.
    Pending,
    /// 2: an admin claimed it and is calling the executor.
    Claimed,
}

impl FireState {
    /// The TINYINT stored in the database.
    pub fn as_db(self) -> i8 {
        match self {
            Self::Done => 0,
            Self::Pending => 1,
            Self::Claimed => 2,
        }
    }

    /// Reads the TINYINT (unknown values read as `Done`, never re-fired).
    pub fn from_db(value: i8) -> Self {
        match value {
            1 => Self::Pending,
            2 => Self::Claimed,
            _ => Self::Done,
        }
    }
}

/// One trigger of one job on one executor shard (`xxl_job_log`).
#[derive(Debug, Clone, PartialEq, Serialize, Default, sqlx::FromRow)]
pub struct JobLog {
    /// `id` = the logId executors see.
    pub id: i64,
    /// `job_group`.
    pub job_group: i32,
    /// `job_id`.
    pub job_id: i32,
    /// `executor_address`: the address actually called.
    pub executor_address: Option<String>,
    /// `executor_handler`.
    pub executor_handler: Option<String>,
    /// `executor_param`.
    pub executor_param: Option<String>,
    /// `executor_sharding_param`: "i/n" for broadcast shards.
    pub executor_sharding_param: Option<String>,
    /// `executor_fail_retry_count`: retries left.
    pub executor_fail_retry_count: i32,
    /// `trigger_time`.
    pub trigger_time: Option<NaiveDateTime>,
    /// `trigger_code`: 0 pending, 200 accepted by the executor, else failed.
    pub trigger_code: i32,
    /// `trigger_msg`: HTML.
    pub trigger_msg: Option<String>,
    /// `handle_time`.
    pub handle_time: Option<NaiveDateTime>,
    /// `handle_code`: 0 running, 200 success, 500 fail, 502 timeout.
    pub handle_code: i32,
    /// `handle_msg`: HTML.
    pub handle_msg: Option<String>,
    /// `alarm_status`: 0 default, -1 locked, 1 none needed, 2 sent, 3 failed.
    pub alarm_status: i8,
    /// `jobwheel_fire_at`: the scheduled instant in epoch ms (ms precision, unlike
    /// `trigger_time`).
    #[sqlx(rename = "jobwheel_fire_at")]
    pub fire_at: Option<i64>,
    /// `jobwheel_fire_state`.
    #[sqlx(rename = "jobwheel_fire_state", try_from = "i8")]
    pub fire_state: FireState,
    /// `jobwheel_trigger_type`: CRON, MANUAL, RETRY, PARENT, API, MISFIRE.
    #[sqlx(rename = "jobwheel_trigger_type")]
    pub trigger_type: Option<String>,
    /// `jobwheel_alarm_msg`: what the fail monitor did (retry log ids) and why an alarm
    /// failed, if it did.
    #[sqlx(rename = "jobwheel_alarm_msg")]
    pub alarm_msg: Option<String>,
}

impl From<i8> for FireState {
    fn from(value: i8) -> Self {
        Self::from_db(value)
    }
}

/// A log row to insert: a durable fire intent (`Pending`) or a fire already being
/// dispatched (`Claimed`, e.g. a manual trigger).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewLog {
    /// `job_group`.
    pub job_group: i32,
    /// `job_id`.
    pub job_id: i32,
    /// `trigger_time` (naive, admin zone).
    pub trigger_time: NaiveDateTime,
    /// `jobwheel_fire_at`: epoch ms.
    pub fire_at: i64,
    /// `jobwheel_fire_state`.
    pub fire_state: FireState,
    /// `jobwheel_trigger_type`.
    pub trigger_type: String,
    /// `executor_fail_retry_count`.
    pub executor_fail_retry_count: i32,
    /// `executor_param` override (retries keep the param they failed with).
    pub executor_param: Option<String>,
    /// `executor_sharding_param` ("i/n") when a shard is retried.
    pub executor_sharding_param: Option<String>,
}

/// What the trigger step writes back to a log row once the executor answered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TriggerRecord {
    /// `trigger_code`.
    pub trigger_code: i32,
    /// `trigger_msg`.
    pub trigger_msg: String,
    /// `executor_address`.
    pub executor_address: Option<String>,
    /// `executor_handler`.
    pub executor_handler: Option<String>,
    /// `executor_param`.
    pub executor_param: Option<String>,
    /// `executor_sharding_param`.
    pub executor_sharding_param: Option<String>,
    /// `executor_fail_retry_count`.
    pub executor_fail_retry_count: i32,
}

/// New schedule state of one job, written by the scan (`trigger_status=1` guard applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleUpdate {
    /// The job.
    pub job_id: i32,
    /// `trigger_last_time`.
    pub last: i64,
    /// `trigger_next_time`.
    pub next: i64,
    /// `Some(0)` stops the job (no next fire); `None` leaves the status alone.
    pub status: Option<i8>,
}

/// What a scan decided, given the due jobs it read under the lock.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScanPlan {
    /// Schedule state to write back.
    pub updates: Vec<ScheduleUpdate>,
    /// Fires to record as durable intents (`Pending` log rows).
    pub fires: Vec<NewLog>,
}

/// A fire recorded by a scan: its log id and when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedFire {
    /// The new log row's id.
    pub log_id: i64,
    /// The job.
    pub job_id: i32,
    /// Due instant, epoch ms.
    pub fire_at: i64,
}

/// The part of a log row that writing a run's result reads: which run, whose, and the
/// result so far. Completing runs is done for every fire, under a row lock; the whole row
/// (its trigger message is HTML of half a kilobyte and more) is not needed for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// `id`.
    pub id: i64,
    /// `job_group`.
    pub job_group: i32,
    /// `job_id`.
    pub job_id: i32,
    /// `handle_code`: 0 while the run has no result.
    pub handle_code: i32,
    /// `handle_msg`.
    pub handle_msg: Option<String>,
}

/// What [`super::Store::complete_logs`] found and wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompletedLogs {
    /// The rows that exist, as they were before the write.
    pub found: Vec<RunRecord>,
    /// Ids of the rows whose result this call wrote.
    pub written: Vec<i64>,
}

/// Paging of list queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Rows skipped.
    pub offset: i64,
    /// Rows returned at most.
    pub limit: i64,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: 20,
        }
    }
}

/// Filters of the group list (LIKE %x% on each set field).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupFilter {
    /// `app_name` contains.
    pub app_name: Option<String>,
    /// `title` contains.
    pub title: Option<String>,
}

/// Filters of the job list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobFilter {
    /// `job_group` equals.
    pub job_group: Option<i32>,
    /// `trigger_status` equals.
    pub trigger_status: Option<i8>,
    /// `job_desc` contains.
    pub job_desc: Option<String>,
    /// `executor_handler` contains.
    pub executor_handler: Option<String>,
    /// `author` contains.
    pub author: Option<String>,
}

/// The UI's log status filter (PROTOCOL.md §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogStatus {
    /// `handle_code=200`.
    Success,
    /// `trigger_code NOT IN (0,200) OR handle_code NOT IN (0,200)`.
    Failure,
    /// `trigger_code=200 AND handle_code=0`.
    Running,
}

/// Filters of the log list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogFilter {
    /// `job_group` equals.
    pub job_group: Option<i32>,
    /// `job_id` equals.
    pub job_id: Option<i32>,
    /// Status class.
    pub status: Option<LogStatus>,
    /// `trigger_time >= from`.
    pub from: Option<NaiveDateTime>,
    /// `trigger_time <= to`.
    pub to: Option<NaiveDateTime>,
}

/// `xxl_job_user.role`: what a console user may do.
pub const ROLE_NORMAL: i8 = 0;
/// `xxl_job_user.role` of administrators: everything, every group.
pub const ROLE_ADMIN: i8 = 1;

/// A console user (`xxl_job_user`).
#[derive(Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct User {
    /// `id`.
    pub id: i32,
    /// `username`: unique.
    pub username: String,
    /// `password`: an argon2 PHC string, or a legacy XXL-JOB MD5/SHA-256 hex digest.
    #[serde(skip)]
    pub password: String,
    /// `token`: the signature every session of this user carries (XXL-JOB 3.2+); `None`
    /// means no session is valid.
    #[serde(skip)]
    pub token: Option<String>,
    /// `role`: [`ROLE_NORMAL`] or [`ROLE_ADMIN`].
    pub role: i8,
    /// `permission`: comma-separated group ids a normal user may see and operate.
    pub permission: Option<String>,
}

impl std::fmt::Debug for User {
    // Hashes and session signatures stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("permission", &self.permission)
            .finish_non_exhaustive()
    }
}

impl User {
    /// Administrators see and do everything.
    pub fn is_admin(&self) -> bool {
        self.role == ROLE_ADMIN
    }

    /// The group ids of `permission` (unreadable entries are ignored).
    pub fn group_ids(&self) -> Vec<i32> {
        parse_permission(self.permission.as_deref())
    }

    /// Whether this user may see and operate group `group_id`.
    pub fn may_access_group(&self, group_id: i32) -> bool {
        self.is_admin() || self.group_ids().contains(&group_id)
    }
}

/// Parses XXL-JOB's `permission` column: comma-separated group ids.
pub fn parse_permission(permission: Option<&str>) -> Vec<i32> {
    permission
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.trim().parse().ok())
        .collect()
}

/// A user to insert.
#[derive(Clone, PartialEq, Default)]
pub struct NewUser {
    /// `username`.
    pub username: String,
    /// `password`: already hashed.
    pub password: String,
    /// `role`.
    pub role: i8,
    /// `permission`.
    pub permission: Option<String>,
}

/// Filters of the user list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserFilter {
    /// `username` contains.
    pub username: Option<String>,
    /// `role` equals.
    pub role: Option<i8>,
}

/// `xxl_job_log.alarm_status`: what the fail monitor did with a failed log (PROTOCOL.md
/// §6.5).
pub mod alarm_status {
    /// Not looked at yet (every new log).
    pub const DEFAULT: i8 = 0;
    /// Claimed by one admin's fail monitor, which is retrying and alarming it.
    pub const LOCKED: i8 = -1;
    /// Nothing to alarm: the job is gone, or it has no alarm channel.
    pub const NOT_NEEDED: i8 = 1;
    /// Every alarm channel accepted the alarm.
    pub const SENT: i8 = 2;
    /// At least one alarm channel failed (the reason is in `jobwheel_alarm_msg`).
    pub const FAILED: i8 = 3;
}

/// One saved version of a job's GLUE source (`xxl_job_logglue`).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct GlueVersion {
    /// `id`.
    pub id: i32,
    /// `job_id`.
    pub job_id: i32,
    /// `glue_type` at the time of the save.
    pub glue_type: Option<String>,
    /// `glue_source`.
    pub glue_source: Option<String>,
    /// `glue_remark`.
    pub glue_remark: String,
    /// `add_time`.
    pub add_time: Option<NaiveDateTime>,
    /// `update_time`.
    pub update_time: Option<NaiveDateTime>,
}

/// One day of the dashboard's counts (`xxl_job_log_report`).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LogReport {
    /// `trigger_day`: the day at 00:00:00 (admin zone).
    pub trigger_day: NaiveDateTime,
    /// `running_count`.
    pub running_count: i32,
    /// `suc_count`.
    pub suc_count: i32,
    /// `fail_count`.
    pub fail_count: i32,
    /// `update_time`.
    pub update_time: Option<NaiveDateTime>,
}

/// Log counts of a time range, classed as the report classes them (PROTOCOL.md §6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogCounts {
    /// Every row.
    pub total: i64,
    /// `trigger_code IN (0,200) AND handle_code = 0`.
    pub running: i64,
    /// `handle_code = 200`.
    pub success: i64,
}

impl LogCounts {
    /// Everything neither running nor successful.
    pub fn failed(&self) -> i64 {
        (self.total - self.running - self.success).max(0)
    }
}

/// Which log rows a clear or the retention cleanup deletes; every set field must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogScope {
    /// `job_group` equals.
    pub job_group: Option<i32>,
    /// `job_id` equals.
    pub job_id: Option<i32>,
    /// `trigger_time <= before`.
    pub before: Option<NaiveDateTime>,
    /// `id < below_id` (keeps the newest rows).
    pub below_id: Option<i64>,
}

/// A personal REST v1 token (`jobwheel_api_token`). The token itself is never stored:
/// only its SHA-256 hex, which is what a bearer header is looked up by.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    /// `id`.
    pub id: i32,
    /// `user_id`: the user the token acts as.
    pub user_id: i32,
    /// The owner's username (joined; empty when the user was deleted).
    pub username: String,
    /// `name`: what the owner called it ("CI", "Grafana").
    pub name: String,
    /// `token_hash`: SHA-256 hex of the token.
    #[serde(skip)]
    pub token_hash: String,
    /// `prefix`: the token's first characters, to recognise it in a list.
    pub prefix: String,
    /// `created_at`.
    pub created_at: NaiveDateTime,
    /// `last_used_at`: updated at most about once a minute.
    pub last_used_at: Option<NaiveDateTime>,
    /// `revoked_at`: set once; a revoked token authenticates nothing.
    pub revoked_at: Option<NaiveDateTime>,
}

/// A token to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    /// Owner.
    pub user_id: i32,
    /// Display name.
    pub name: String,
    /// SHA-256 hex of the token.
    pub token_hash: String,
    /// First characters of the token.
    pub prefix: String,
    /// Creation time.
    pub created_at: NaiveDateTime,
}
