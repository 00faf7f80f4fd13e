//! Unit-testing job handlers: a [`JobContext`] without an admin, a server or a trigger.
//!
//! A handler is an async function of a [`JobContext`], and the context is what the executor
//! builds for each trigger, so without this module a handler could only be tested by running
//! a whole executor. [`TestRun`] builds the same context (parameters, shard, a real run log in
//! the executor's file layout) and reads the log back, so a test asserts on what the operator
//! would see in the admin's log viewer.
//!
//! The module is behind the `testing` cargo feature; enable it for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! jobwheel-executor = { version = "0.1", features = ["testing"] }
//! ```
//!
//! ```
//! use jobwheel_executor::{JobContext, job_log};
//! use jobwheel_executor::testing::TestRun;
//!
//! async fn greet(ctx: JobContext) -> Result<String, String> {
//!     if ctx.param().is_empty() {
//!         return Err("whom should I greet?".into());
//!     }
//!     job_log!(ctx, "hello {} from shard {}/{}", ctx.param(), ctx.shard_index(), ctx.shard_total());
//!     Ok("greeted".into())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), jobwheel_executor::Error> {
//! let run = TestRun::builder().param("world").shard(2, 3).build()?;
//! assert_eq!(run.run(greet).await, Ok("greeted".to_string()));
//! assert!(run.log().contains("hello world from shard 2/3"));
//!
//! let empty = TestRun::builder().build()?;
//! assert!(empty.run(greet).await.is_err());
//! # Ok(())
//! # }
//! ```
//!
//! What a `TestRun` does not do is what the executor's runner adds around a handler: block
//! strategies, timeouts and kills (which drop the handler's future), panics turned into
//! failures, and callbacks. Test those through a real executor ([`crate::Executor`] on port 0).

use std::future::Future;
use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use crate::context::JobContext;
use crate::error::{Error, Result};
use crate::joblog::JobLogStore;

/// One simulated run of a handler: its context and its run log.
///
/// The log lives in a temporary directory removed when the `TestRun` is dropped, unless
/// [`TestRunBuilder::log_dir`] chose a directory.
#[derive(Debug)]
pub struct TestRun {
    ctx: JobContext,
    _temp: Option<tempfile::TempDir>,
}

/// Sets what the admin would have sent with the trigger. Every field has a default: job 1,
/// run (log id) 1, triggered now, handler `"test"`, no param, shard 0 of 1.
#[derive(Debug, Clone)]
pub struct TestRunBuilder {
    job_id: i32,
    log_id: i64,
    log_date_time: i64,
    handler: String,
    param: String,
    shard_index: i32,
    shard_total: i32,
    log_dir: Option<PathBuf>,
}

impl Default for TestRunBuilder {
    fn default() -> Self {
        Self {
            job_id: 1,
            log_id: 1,
            log_date_time: chrono::Utc::now().timestamp_millis(),
            handler: "test".to_string(),
            param: String::new(),
            shard_index: 0,
            shard_total: 1,
            log_dir: None,
        }
    }
}

impl TestRunBuilder {
    /// The job parameter (`executorParams`).
    pub fn param(mut self, param: impl Into<String>) -> Self {
        self.param = param.into();
        self
    }

    /// The shard of a broadcast job: `index` is 0-based, `total` at least 1 (as the executor
    /// treats a 0 sent by old admins).
    pub fn shard(mut self, index: i32, total: i32) -> Self {
        self.shard_index = index;
        self.shard_total = total.max(1);
        self
    }

    /// The job's id in the admin.
    pub fn job_id(mut self, job_id: i32) -> Self {
        self.job_id = job_id;
        self
    }

    /// The run's id, which is also its log file's name.
    pub fn log_id(mut self, log_id: i64) -> Self {
        self.log_id = log_id;
        self
    }

    /// The handler name the run was triggered for (the source shown in log lines).
    pub fn handler_name(mut self, name: impl Into<String>) -> Self {
        self.handler = name.into();
        self
    }

    /// The trigger time, epoch milliseconds (it also picks the log's day directory).
    pub fn trigger_time_millis(mut self, millis: i64) -> Self {
        self.log_date_time = millis;
        self
    }

    /// Writes the log under `dir` (as the executor's `log_path`) and keeps it after the test,
    /// instead of a temporary directory.
    pub fn log_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.log_dir = Some(dir.into());
        self
    }

    /// Creates the run's log (and its temporary directory) and the context.
    pub fn build(self) -> Result<TestRun> {
        let (root, temp) = match self.log_dir {
            Some(dir) => (dir, None),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("jobwheel-test-run-")
                    .tempdir()
                    .map_err(Error::io(std::env::temp_dir()))?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        let log = JobLogStore::new(root).open(self.log_date_time, self.log_id);
        let ctx = JobContext {
            job_id: self.job_id,
            log_id: self.log_id,
            log_date_time: self.log_date_time,
            handler: self.handler,
            param: self.param,
            shard_index: self.shard_index,
            shard_total: self.shard_total,
            log,
            cancel: CancellationToken::new(),
        };
        Ok(TestRun { ctx, _temp: temp })
    }
}

impl TestRun {
    /// Starts describing a run; see [`TestRunBuilder`] for the defaults.
    pub fn builder() -> TestRunBuilder {
        TestRunBuilder::default()
    }

    /// The context to hand to the handler (a clone: a run's contexts share log and state).
    pub fn context(&self) -> JobContext {
        self.ctx.clone()
    }

    /// Calls `handler` with the context, as the executor would, with `tracing` events of the
    /// handler's task copied into the run log when a [`JobLogLayer`](crate::JobLogLayer) is
    /// installed.
    ///
    /// Works with closures and functions of a `JobContext`, and with a
    /// [`JobHandler`](crate::JobHandler): `run.run(|ctx| handler.execute(ctx))`.
    pub async fn run<F, Fut>(&self, handler: F) -> Fut::Output
    where
        F: FnOnce(JobContext) -> Fut,
        Fut: Future,
    {
        crate::tracing_layer::scope(self.ctx.log.clone(), handler(self.context())).await
    }

    /// Everything logged so far, as the admin's log viewer would show it (empty when the
    /// log could not be written).
    pub fn log(&self) -> String {
        std::fs::read(self.ctx.log.path())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// The run's log file.
    pub fn log_file(&self) -> &Path {
        self.ctx.log.path()
    }

    /// Signals the run as killed: [`JobContext::is_cancelled`] turns true and
    /// [`JobContext::cancelled`] resolves, for handlers that watch them. (The executor also
    /// drops the handler's future; drop yours, or race it with `tokio::select!`, to test that.)
    pub fn cancel(&self) {
        self.ctx.cancel.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_run_logs_where_the_executor_would_and_reads_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let run = TestRun::builder()
            .job_id(7)
            .log_id(42)
            .trigger_time_millis(0)
            .handler_name("reportJobHandler")
            .param("p")
            .shard(0, 0)
            .log_dir(dir.path())
            .build()
            .unwrap();
        let ctx = run.context();
        assert_eq!(
            (ctx.job_id(), ctx.log_id(), ctx.param(), ctx.shard_total()),
            (7, 42, "p", 1)
        );
        assert_eq!(run.log_file(), JobLogStore::new(dir.path()).path_of(0, 42));

        ctx.log("first");
        ctx.log("second");
        let log = run.log();
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 2, "{log}");
        assert!(lines[0].ends_with("[reportJobHandler] first"), "{log}");
        assert!(lines[1].ends_with("[reportJobHandler] second"), "{log}");
    }

    #[tokio::test]
    async fn cancel_reaches_the_handler() {
        let run = TestRun::builder().build().unwrap();
        let ctx = run.context();
        assert!(!ctx.is_cancelled());
        run.cancel();
        ctx.cancelled().await;
        assert!(ctx.is_cancelled());
    }

    #[tokio::test]
    async fn the_temporary_log_goes_with_the_run() {
        let run = TestRun::builder().build().unwrap();
        run.context().log("x");
        let file = run.log_file().to_path_buf();
        assert!(file.exists());
        drop(run);
        assert!(!file.exists());
    }
}
