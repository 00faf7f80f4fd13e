//! Orphan recovery: fires recorded by an admin that died before firing them.
//!
//! A scan commits its fires as `Pending` log rows before they wait on its in-memory wheel.
//! If that admin dies (crash, kill -9, a rolling restart), the rows stay `Pending` past their
//! time. Every admin runs an [`OrphanSweeper`] that takes such rows, claims each (a
//! conditional update, so exactly one admin gets it), and then:
//! * fires it now if it is at most [`MISFIRE_THRESHOLD_MS`] late, as the scan would have;
//! * otherwise applies the job's misfire strategy, as the scan does for a late job:
//!   FIRE_ONCE_NOW fires the job once now (trigger type MISFIRE) however many of its fires
//!   were missed; DO_NOTHING closes each row as skipped.
//!
//! **One compensation per miss.** After downtime both the scan (the job's next fire is
//! overdue) and this sweeper (its planned fires are overdue) find the same miss. Whoever
//! comes first compensates: the sweeper only if the job's `trigger_last_time` has not moved
//! past the orphans (a conditional update that moves it to now,
//! [`Store::note_compensation`]), and the scan only if `trigger_last_time` is still before
//! the overdue next fire ([`plan_job`](super::misfire::plan_job)). The other skips.
//!
//! **Codes of a skipped row.** A skip is a decision, not a failure, and must not page anyone
//! or be retried, yet it must not look like a run still in flight either. The fail monitor
//! treats a row as failed unless `trigger_code ∈ {0,200} ∧ handle_code = 0` or
//! `handle_code = 200`, and rows with `handle_code = 0` count as running (and, with
//! `trigger_code = 200`, are later declared lost). So a skipped row is closed with
//! `trigger_code = 200` and `handle_code = 200`, and both messages say plainly that the job
//! was **not** executed and why ([`SKIPPED_MSG`]).
//!
//! The sweeper also closes fires stuck `Claimed`: an admin claimed them and died before
//! recording the executor's answer. Whether the executor got the call is unknowable, so they
//! are marked failed (code 500), which lets retry and alarm act.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use jobwheel_executor::protocol::CODE_SUCCESS;
use tokio_util::sync::CancellationToken;

use super::misfire::{MISFIRE_THRESHOLD_MS, MisfireStrategy};
use crate::app::AppState;
use crate::dispatch::dispatcher::Dispatcher;
use crate::dispatch::fire::{Fire, TriggerType};
use crate::error::Result;
use crate::store::{JobLog, Store, TriggerRecord};
use crate::time::{now_ms, now_naive};

/// Message of a row skipped by misfire strategy DO_NOTHING.
pub const SKIPPED_MSG: &str = "Skipped, not executed: the admin that scheduled this fire stopped before firing it, \
     and it was found too late (misfire strategy DO_NOTHING)";
/// Trigger message of a fire found stuck `Claimed`.
pub const STUCK_MSG: &str = "Trigger Fail：the admin that claimed this fire stopped before recording the \
     executor's answer; whether the executor received it is unknown";

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Orphans fired as scheduled (late by at most the tolerance).
    pub fired: usize,
    /// Jobs fired once now as MISFIRE (FIRE_ONCE_NOW).
    pub misfired: usize,
    /// Orphans closed as skipped (DO_NOTHING, or the extra misses of FIRE_ONCE_NOW).
    pub skipped: usize,
    /// Fires stuck `Claimed` closed as failed.
    pub stuck: u64,
}

/// Finds and settles orphaned fires; one per admin.
pub struct OrphanSweeper {
    store: Arc<dyn Store>,
    dispatcher: Dispatcher,
    tz: Tz,
    /// Time between sweeps.
    pub period: Duration,
    /// A `Pending` fire this late is orphaned: its own admin would have claimed it by now.
    pub grace: Duration,
    /// A `Claimed` fire this old whose result was never recorded is stuck.
    pub stuck_after: Duration,
    /// Orphans taken per sweep.
    pub limit: i64,
}

impl OrphanSweeper {
    /// A sweeper with the defaults: every 2 s, orphaned after 2 s, stuck after 10 minutes.
    ///
    /// Period + grace stay below the five-second tolerance, so the fires of an admin that
    /// died are normally fired on time-ish rather than treated as misfires.
    pub fn new(state: &AppState, dispatcher: Dispatcher) -> Self {
        Self {
            store: state.store.clone(),
            dispatcher,
            tz: state.tz,
            period: Duration::from_secs(2),
            grace: Duration::from_secs(2),
            stuck_after: Duration::from_secs(600),
            limit: 1000,
        }
    }

    /// Sweeps every `period` until `shutdown`; errors are logged and retried next time.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(self.period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = ticks.tick() => {}
            }
            match self.sweep_once().await {
                Ok(report) if report != SweepReport::default() => {
                    crate::observe::series::orphans_settled(&report);
                    tracing::info!(?report, "orphaned fires settled");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "orphan sweep failed; retrying"),
            }
        }
    }

    /// One sweep.
    pub async fn sweep_once(&self) -> Result<SweepReport> {
        let now = now_ms();
        let mut report = SweepReport {
            stuck: self
                .store
                .fail_stuck_claims(now - millis(self.stuck_after), STUCK_MSG)
                .await?,
            ..SweepReport::default()
        };
        let orphans = self
            .store
            .orphan_fires(now - millis(self.grace), self.limit)
            .await?;
        let mut overdue: BTreeMap<i32, Vec<JobLog>> = BTreeMap::new();
        for log in orphans {
            if self.dispatcher.holds(log.id) {
                continue;
            }
            if now - log.fire_at.unwrap_or_default() <= MISFIRE_THRESHOLD_MS {
                // The trigger claims it: exactly one admin fires it.
                self.dispatcher
                    .submit(Fire::from_intent(&log, recorded_type(&log)));
                report.fired += 1;
            } else {
                overdue.entry(log.job_id).or_default().push(log);
            }
        }
        for (job_id, logs) in overdue {
            self.misfire(job_id, logs, &mut report).await?;
        }
        Ok(report)
    }

    /// Applies the job's misfire strategy to its long-overdue orphans (oldest first).
    async fn misfire(
        &self,
        job_id: i32,
        mut logs: Vec<JobLog>,
        report: &mut SweepReport,
    ) -> Result<()> {
        let (strategy, next) = match self.store.get_job(job_id).await? {
            Some(job) => (
                MisfireStrategy::from_db(&job.misfire_strategy),
                job.trigger_next_time,
            ),
            // The trigger closes the row of a deleted job as failed.
            None => (MisfireStrategy::FireOnceNow, i64::MAX),
        };
        if strategy == MisfireStrategy::FireOnceNow
            && let Some(latest) = logs.pop()
        {
            // The latest orphan is claimed first, so exactly one admin decides its fate
            // (another admin's sweep may be looking at the same rows right now). Then one
            // compensation per miss: only if the schedule has not moved past these fires (a
            // scan that found the job overdue compensated already, or later fires were
            // planned and run); otherwise the row is a plain skip.
            if self.store.claim_fire(latest.id).await? {
                let missed_until = latest.fire_at.unwrap_or_default();
                if self
                    .store
                    .note_compensation(job_id, missed_until, compensated_at(next, missed_until))
                    .await?
                {
                    let mut fire = Fire::from_intent(&latest, TriggerType::Misfire);
                    fire.needs_claim = false;
                    self.dispatcher.submit(fire);
                    report.misfired += 1;
                } else {
                    self.close_skipped(&latest).await?;
                    report.skipped += 1;
                }
            }
        }
        for log in logs {
            if self.skip(&log).await? {
                report.skipped += 1;
            }
        }
        Ok(())
    }

    /// Claims an orphan and closes it as skipped; false when another admin claimed it.
    async fn skip(&self, log: &JobLog) -> Result<bool> {
        if !self.store.claim_fire(log.id).await? {
            return Ok(false);
        }
        self.close_skipped(log).await?;
        Ok(true)
    }

    /// Closes an orphan this admin claimed as skipped (see [`SKIPPED_MSG`]).
    async fn close_skipped(&self, log: &JobLog) -> Result<()> {
        let record = TriggerRecord {
            trigger_code: CODE_SUCCESS,
            trigger_msg: format!(
                "Trigger type：{}<br>{SKIPPED_MSG}",
                recorded_type(log).title()
            ),
            executor_param: log.executor_param.clone(),
            executor_sharding_param: log.executor_sharding_param.clone(),
            executor_fail_retry_count: log.executor_fail_retry_count,
            ..TriggerRecord::default()
        };
        self.store.record_trigger(log.id, &record).await?;
        self.store
            .complete_log(log.id, CODE_SUCCESS, SKIPPED_MSG, now_naive(self.tz))
            .await?;
        crate::observe::series::fire_settled(
            recorded_type(log),
            crate::observe::series::FireResult::Skipped,
        );
        Ok(())
    }
}

/// The `trigger_last_time` that records a compensation fired now: now, or, when the job's
/// next fire is already due, at least that fire plus the tolerance, so a scan that finds it
/// overdue knows this miss is compensated (see [`plan_job`](super::misfire::plan_job)).
fn compensated_at(next: i64, missed_until: i64) -> i64 {
    let now = now_ms().max(missed_until.saturating_add(1));
    if next <= now {
        now.max(next.saturating_add(MISFIRE_THRESHOLD_MS))
    } else {
        now
    }
}

/// The trigger type the scan recorded for a row (CRON when unreadable).
fn recorded_type(log: &JobLog) -> TriggerType {
    log.trigger_type
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(TriggerType::Cron)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
