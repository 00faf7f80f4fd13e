//! What a running handler sees: its trigger's parameters and its own run log.

use std::path::Path;

use chrono::{DateTime, Local, TimeZone};
use tokio_util::sync::CancellationToken;

use crate::joblog::RunLog;

/// The context of one run, handed to the handler by value (it is cheap to clone).
///
/// Everything the admin sent with the trigger is here, plus the run's log: what a handler
/// writes with [`JobContext::log`] (or [`job_log!`](crate::job_log)) is what the operator sees
/// in the admin's log viewer.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub(crate) job_id: i32,
    pub(crate) log_id: i64,
    pub(crate) log_date_time: i64,
    pub(crate) handler: String,
    pub(crate) param: String,
    pub(crate) shard_index: i32,
    pub(crate) shard_total: i32,
    pub(crate) log: RunLog,
    pub(crate) cancel: CancellationToken,
}

impl JobContext {
    /// The job's id in the admin.
    pub fn job_id(&self) -> i32 {
        self.job_id
    }

    /// This run's id (the admin's log row), also its log file name.
    pub fn log_id(&self) -> i64 {
        self.log_id
    }

    /// The handler name (or the GLUE type of a script job) this run was triggered for.
    pub fn handler_name(&self) -> &str {
        &self.handler
    }

    /// The job parameter; empty when the admin sent none.
    pub fn param(&self) -> &str {
        &self.param
    }

    /// This executor's shard, 0-based (0 unless the job is a broadcast).
    pub fn shard_index(&self) -> i32 {
        self.shard_index
    }

    /// The number of shards (1 unless the job is a broadcast).
    pub fn shard_total(&self) -> i32 {
        self.shard_total
    }

    /// When the admin triggered the run, as epoch milliseconds (`logDateTime` on the wire).
    pub fn trigger_time_millis(&self) -> i64 {
        self.log_date_time
    }

    /// When the admin triggered the run, in the executor's local time zone.
    pub fn trigger_time(&self) -> DateTime<Local> {
        Local
            .timestamp_millis_opt(self.log_date_time)
            .earliest()
            .unwrap_or_else(|| DateTime::<Local>::from(DateTime::UNIX_EPOCH))
    }

    /// Appends a timestamped line to this run's log.
    pub fn log(&self, message: impl std::fmt::Display) {
        self.log.line(&self.handler, message);
    }

    /// The file this run logs to.
    pub fn log_file(&self) -> &Path {
        self.log.path()
    }

    /// The run's log, for code that outlives a borrow of the context (e.g. spawned tasks).
    pub fn run_log(&self) -> &RunLog {
        &self.log
    }

    /// True once the run was killed, timed out or covered.
    ///
    /// The handler's own future is dropped in those cases, so most handlers never need this.
    /// It is for work the handler moved elsewhere (`spawn_blocking`, a spawned task) that must
    /// notice it should stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves once the run was killed, timed out or covered (see [`JobContext::is_cancelled`]).
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await;
    }

    /// Runs an external command as this run's child: its stdout and stderr go to the run log,
    /// and a kill or timeout of the run kills the command's whole process group.
    ///
    /// Returns the exit status; a status other than success is the caller's to judge.
    pub async fn run_command(
        &self,
        command: tokio::process::Command,
    ) -> std::io::Result<std::process::ExitStatus> {
        crate::process::run_logged(command, &self.log).await
    }
}

/// Appends a formatted line to a run's log: `job_log!(ctx, "processed {} rows", n)`.
#[macro_export]
macro_rules! job_log {
    ($ctx:expr, $($arg:tt)+) => {
        $ctx.log(::std::format_args!($($arg)+))
    };
}
