//! The fail monitor (PROTOCOL.md §6.5): every failed log is retried while its retry count
//! allows, and alarmed, by exactly one admin of the cluster.
//!
//! Each pass reads up to [`DEFAULT_BATCH`] failed logs nobody has handled
//! (`alarm_status = 0`) and claims each with a conditional update to `-1`; only the admin
//! whose update matched handles it, so two admins on one database retry and alarm each
//! failure once. Handling:
//! 1. **retry** — when the log's `executor_fail_retry_count > 0`, trigger the job again
//!    (type RETRY) with the *logged* param and shard and one retry fewer, immediately, and
//!    append XXL-JOB's "Fail retry trigger" note (with the new log ids) to the failed log's
//!    `trigger_msg`. A job with retry count N thus runs at most N+1 times;
//! 2. **alarm** — when the job still exists, send its alarms ([`crate::alarm`]);
//! 3. record the outcome: `alarm_status` 1 (job gone, or no alarm channel), 2 (sent) or
//!    3 (an alarm failed), with the reasons in `jobwheel_alarm_msg`.
//!
//! An admin that dies between claim and outcome leaves the log at `-1` (as XXL-JOB does):
//! it is never retried twice, at worst not alarmed.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::alarm::{AlarmContext, Alarms};
use crate::app::AppState;
use crate::dispatch::{TriggerRequest, TriggerType};
use crate::error::Result;
use crate::service::children::join_ids;
use crate::store::{JobLog, alarm_status};

/// XXL-JOB's period.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(10);
/// Failed logs read per pass.
pub const DEFAULT_BATCH: i64 = 1000;
/// Failed logs handled at once (alarms wait on mail servers and webhooks).
const CONCURRENCY: usize = 8;

/// The note XXL-JOB appends to a retried log's `trigger_msg`.
pub const RETRY_NOTE: &str =
    "<br><br><span style=\"color:#F39C12;\" > >>>>>>>>>>>Fail retry trigger<<<<<<<<<<< </span><br>";

/// The loop; build it with [`FailMonitor::new`], start it with [`FailMonitor::run`].
pub struct FailMonitor {
    state: AppState,
    alarms: Arc<Alarms>,
    period: Duration,
    batch: i64,
}

impl FailMonitor {
    /// A monitor with the alarm channels of the configuration, every [`DEFAULT_PERIOD`].
    pub fn new(state: AppState) -> Result<Self> {
        let alarms = Arc::new(Alarms::from_config(&state.config)?);
        Ok(Self {
            state,
            alarms,
            period: DEFAULT_PERIOD,
            batch: DEFAULT_BATCH,
        })
    }

    /// The same, ticking every `period` (tests use milliseconds).
    pub fn with_period(mut self, period: Duration) -> Self {
        self.period = period;
        self
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) {
        let period = self.period;
        super::ticker::every("fail", period, shutdown, || self.pass()).await;
    }

    /// One pass; returns how many failed logs this admin handled.
    pub async fn pass(&self) -> Result<()> {
        let logs = self.state.store.failed_unalarmed_logs(self.batch).await?;
        futures::stream::iter(logs)
            .for_each_concurrent(CONCURRENCY, |log| async move {
                let log_id = log.id;
                if let Err(error) = self.handle(log).await {
                    tracing::error!(log_id, %error, "fail monitor could not handle a failed log");
                }
            })
            .await;
        Ok(())
    }

    /// Claims, retries, alarms and records one failed log.
    async fn handle(&self, log: JobLog) -> Result<()> {
        let store = &self.state.store;
        if !store
            .set_alarm_status(log.id, alarm_status::DEFAULT, alarm_status::LOCKED, None)
            .await?
        {
            return Ok(()); // another admin has it
        }
        let handled = self.retry_and_alarm(&log).await;
        let (status, msg) = match handled {
            Ok(outcome) => outcome,
            Err(error) => (alarm_status::FAILED, format!("fail monitor error: {error}")),
        };
        store
            .set_alarm_status(log.id, alarm_status::LOCKED, status, Some(&msg))
            .await?;
        Ok(())
    }

    async fn retry_and_alarm(&self, log: &JobLog) -> Result<(i8, String)> {
        let mut notes = Vec::new();
        if log.executor_fail_retry_count > 0 {
            notes.push(self.retry(log).await?);
        }
        let Some(job) = self.state.store.get_job(log.job_id).await? else {
            notes.push(format!("job {} no longer exists: no alarm", log.job_id));
            return Ok((alarm_status::NOT_NEEDED, notes.join("; ")));
        };
        let group = self.state.store.get_group(job.job_group).await?;
        let log_url = crate::alarm::log_url(&self.state.config, log.id);
        let ctx = AlarmContext {
            job: &job,
            group: group.as_ref(),
            log,
            log_url: log_url.as_deref(),
        };
        let outcome = self.alarms.send(&ctx).await;
        if !outcome.delivered.is_empty() {
            notes.push(format!("alarm sent: {}", outcome.delivered.join(", ")));
        }
        if !outcome.failures.is_empty() {
            notes.push(format!("alarm failed: {}", outcome.failures.join("; ")));
        }
        Ok((outcome.status(), notes.join("; ")))
    }

    /// Triggers the retry of `log` and notes it on the log; returns the note.
    async fn retry(&self, log: &JobLog) -> Result<String> {
        let request = TriggerRequest {
            job_id: log.job_id,
            trigger_type: TriggerType::Retry,
            executor_param: log.executor_param.clone(),
            address_list: None,
            fail_retry_count: Some(log.executor_fail_retry_count - 1),
            sharding_param: log.executor_sharding_param.clone(),
        };
        let triggered = match self.state.dispatcher() {
            Ok(dispatcher) => dispatcher.trigger(request).await,
            Err(e) => Err(e),
        };
        let note = match &triggered {
            Ok(ids) => format!("retried as log {}", join_ids(ids)),
            Err(e) => format!("retry failed: {e}"),
        };
        let trigger_msg = format!(
            "{}{RETRY_NOTE}{note}",
            log.trigger_msg.as_deref().unwrap_or_default()
        );
        self.state
            .store
            .set_trigger_msg(log.id, &trigger_msg)
            .await?;
        Ok(note)
    }
}
