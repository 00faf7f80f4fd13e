//! The scan loop: once a second, under the cluster's DB lock, take the jobs due in the next
//! five seconds, plan their fires, record each fire as a durable intent, and put the fires
//! on the time wheel (PROTOCOL.md §3.2, DESIGN.md decision 4).
//!
//! Unlike XXL-JOB, a scan plans every fire of a job that falls in its window (a one-second
//! job gets its five fires at once) and writes them as `Pending` log rows in the same
//! transaction that advances `trigger_next_time`. Committing the schedule and the intents
//! together is what makes a crash between commit and fire harmless: the intents outlive the
//! process and the [`OrphanSweeper`](super::orphans::OrphanSweeper) of any admin fires them.
//!
//! The planning itself ([`plan_job`](super::misfire::plan_job)) is pure and runs while the
//! lock is held; the loop only feeds it and carries the result to the wheel.

use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use foldhash::{HashMap, HashMapExt};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::kind::zone_named;
use super::misfire::{FireKind, JobPlan, plan_job};
use super::wheel::WheelHandle;
use super::{MisfireStrategy, Schedule};
use crate::app::AppState;
use crate::dispatch::fire::{Fire, TriggerType};
use crate::error::Result;
use crate::store::{FireState, JobSchedule, NewLog, ScanPlan, ScheduleUpdate, Store};
use crate::time::{now_ms, to_naive};

/// How far ahead a scan looks (XXL-JOB's `PRE_READ_MS`).
pub const PRE_READ_MS: i64 = 5000;
/// Pause between scans that found due jobs.
const BUSY_PERIOD_MS: i64 = 1000;
/// Pause between scans that found nothing: the window is five seconds wide, so a scan every
/// five seconds still sees every job before it is due.
const IDLE_PERIOD_MS: i64 = PRE_READ_MS;

/// Counters of the scan loop, published after every scan (for tests, metrics and readiness).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Scans that committed.
    pub scans: u64,
    /// Scans that failed (database errors); each is retried a second later.
    pub errors: u64,
    /// Fires recorded since start.
    pub fires: u64,
    /// Fires recorded by the latest scan.
    pub last_fires: usize,
}

/// The scan loop of one admin.
pub struct ScanLoop {
    store: Arc<dyn Store>,
    tz: Tz,
    limit: i64,
    wheel: WheelHandle,
    stats: watch::Sender<ScanStats>,
}

/// The outcome of one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanOutcome {
    /// Due jobs read under the lock.
    pub jobs: usize,
    /// Fires recorded and handed to the wheel.
    pub fires: usize,
}

impl ScanLoop {
    /// A loop over the admin's store, feeding `wheel`. At most
    /// `(fast_pool_size + slow_pool_size) × 10` jobs are read per scan, as in XXL-JOB 3.x.
    pub fn new(state: &AppState, wheel: WheelHandle) -> Self {
        let workers = state.config.fast_pool_size + state.config.slow_pool_size;
        let limit = i64::try_from(workers.saturating_mul(10)).unwrap_or(i64::MAX);
        Self {
            store: state.store.clone(),
            tz: state.tz,
            limit,
            wheel,
            stats: watch::Sender::new(ScanStats::default()),
        }
    }

    /// Follows the loop's counters.
    pub fn stats(&self) -> watch::Receiver<ScanStats> {
        self.stats.subscribe()
    }

    /// Scans until `shutdown`. A scan in progress always finishes (its transaction commits or
    /// rolls back) before the loop stops, so the lock is never left held by a cancelled
    /// future; database errors are logged and the scan is retried a second later.
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let started = now_ms();
            let clock = std::time::Instant::now();
            let scanned = self.scan_once().await;
            let outcome = scanned.as_ref().ok().map(|o| (o.jobs, o.fires));
            crate::observe::series::scan_finished(clock.elapsed(), outcome);
            let busy = match scanned {
                Ok(outcome) => outcome.jobs > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "schedule scan failed; retrying");
                    self.stats.send_modify(|s| s.errors += 1);
                    true
                }
            };
            let pause = pause_after(started, now_ms(), busy) + jitter();
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
        tracing::info!("scan loop stopped");
    }

    /// One scan: plan and record the fires due by now + 5 s, and put them on the wheel.
    pub async fn scan_once(&self) -> Result<ScanOutcome> {
        let window_end = now_ms() + PRE_READ_MS;
        let mut jobs_read = 0;
        let mut kinds: HashMap<(i32, i64), (TriggerType, i32)> = HashMap::new();
        let tz = self.tz;
        let mut plan = |jobs: Vec<JobSchedule>| {
            jobs_read = jobs.len();
            // "now" is read under the lock, as XXL-JOB does: a scan that waited for the lock
            // must judge lateness by the time it actually runs.
            let plan = plan_scan(&jobs, now_ms(), window_end, tz);
            for fire in &plan.fires {
                let kind = fire.trigger_type.parse().unwrap_or(TriggerType::Cron);
                kinds.insert(
                    (fire.job_id, fire.fire_at),
                    (kind, fire.executor_fail_retry_count),
                );
            }
            plan
        };
        let recorded = self
            .store
            .schedule_scan(window_end, self.limit, &mut plan)
            .await?;
        let fires = recorded.len();
        for fire in recorded {
            let (trigger_type, fail_retry_count) = kinds
                .get(&(fire.job_id, fire.fire_at))
                .copied()
                .unwrap_or((TriggerType::Cron, 0));
            self.wheel.schedule(Fire {
                log_id: fire.log_id,
                job_id: fire.job_id,
                fire_at: fire.fire_at,
                trigger_type,
                needs_claim: true,
                fail_retry_count,
                executor_param: None,
                sharding_param: None,
                address_list: None,
            });
        }
        self.stats.send_modify(|s| {
            s.scans += 1;
            s.fires += fires as u64;
            s.last_fires = fires;
        });
        Ok(ScanOutcome {
            jobs: jobs_read,
            fires,
        })
    }
}

/// Plans one scan: each due job's fires in the window and its new schedule state. A job
/// whose schedule no longer parses is stopped (with a warning) rather than retried forever.
pub fn plan_scan(jobs: &[JobSchedule], now: i64, window_end: i64, default_tz: Tz) -> ScanPlan {
    let mut plan = ScanPlan::default();
    for job in jobs {
        match plan_one(job, now, window_end, default_tz) {
            Ok(job_plan) => {
                plan.updates.push(ScheduleUpdate {
                    job_id: job.id,
                    last: job_plan.last,
                    next: job_plan.next,
                    status: job_plan.stop.then_some(0),
                });
                for &(fire_at, kind) in &job_plan.fires {
                    plan.fires.push(intent(job, fire_at, kind, default_tz));
                }
            }
            Err(reason) => {
                tracing::warn!(job_id = job.id, schedule_type = %job.schedule_type, schedule_conf = ?job.schedule_conf, %reason, "job schedule is invalid; stopping the job");
                plan.updates.push(ScheduleUpdate {
                    job_id: job.id,
                    last: 0,
                    next: 0,
                    status: Some(0),
                });
            }
        }
    }
    plan
}

fn plan_one(
    job: &JobSchedule,
    now: i64,
    window_end: i64,
    default_tz: Tz,
) -> Result<JobPlan, String> {
    let schedule = Schedule::parse(&job.schedule_type, job.schedule_conf.as_deref())
        .map_err(|e| e.to_string())?;
    let misfire = MisfireStrategy::from_db(&job.misfire_strategy);
    let tz = zone_named(job.time_zone.as_deref(), default_tz).map_err(|e| e.to_string())?;
    Ok(plan_job(
        &schedule,
        misfire,
        tz,
        job.trigger_last_time,
        job.trigger_next_time,
        now,
        window_end,
    ))
}

/// The durable intent of one fire: a `Pending` log row stamped with its scheduled instant.
fn intent(job: &JobSchedule, fire_at: i64, kind: FireKind, tz: Tz) -> NewLog {
    NewLog {
        job_group: job.job_group,
        job_id: job.id,
        trigger_time: to_naive(fire_at, tz),
        fire_at,
        fire_state: FireState::Pending,
        trigger_type: kind.trigger_type().to_string(),
        executor_fail_retry_count: job.executor_fail_retry_count,
        executor_param: None,
        executor_sharding_param: None,
    }
}

/// Up to [`SCAN_JITTER_MS`] added to each pause, so that admins of a cluster, which all wake
/// at the same moment of each second, take turns winning the scan lock instead of one of them
/// (whose clock or start happens to run a little ahead) winning every time and dispatching
/// every fire alone. Harmless to lateness: a scan plans 5 s ahead and the wheel fires at the
/// millisecond.
fn jitter() -> Duration {
    Duration::from_millis(rand::random_range(0..SCAN_JITTER_MS))
}

/// The most [`jitter`] adds to a scan's pause.
const SCAN_JITTER_MS: u64 = 50;

/// Where in the second scans run: half a second after the whole second. Fires are mostly
/// due on whole seconds (cron has no finer unit and FIX_RATE rounds up to them), and a scan
/// is a write transaction over every due job; run on the boundary, as XXL-JOB runs it, it
/// competed for the database and the CPU with the very fires of that second. Planning
/// 5 s ahead, a scan half a second off still puts every fire on the wheel seconds early.
const SCAN_PHASE_MS: i64 = 500;

/// The pause before the next scan, aligned to [`SCAN_PHASE_MS`] past a whole second: one
/// second after a busy scan, five after an idle one, none after a scan that took a second
/// or more.
fn pause_after(started: i64, now: i64, busy: bool) -> Duration {
    if now - started >= 1000 {
        return Duration::ZERO;
    }
    let period = if busy { BUSY_PERIOD_MS } else { IDLE_PERIOD_MS };
    let into_second = (now - SCAN_PHASE_MS).rem_euclid(1000);
    Duration::from_millis(u64::try_from(period - into_second).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: i32, schedule_type: &str, conf: &str, misfire: &str, next: i64) -> JobSchedule {
        JobSchedule {
            id,
            job_group: 3,
            schedule_type: schedule_type.into(),
            schedule_conf: Some(conf.into()),
            misfire_strategy: misfire.into(),
            executor_fail_retry_count: 2,
            trigger_next_time: next,
            ..JobSchedule::default()
        }
    }

    #[test]
    fn a_scan_plans_every_fire_in_its_window_as_pending_intents() {
        let now = 1_700_000_000_000;
        let plan = plan_scan(
            &[job(1, "FIX_RATE", "1", "DO_NOTHING", now + 1000)],
            now,
            now + PRE_READ_MS,
            chrono_tz::Asia::Shanghai,
        );
        let times: Vec<i64> = plan.fires.iter().map(|f| f.fire_at).collect();
        assert_eq!(times, [1000, 2000, 3000, 4000, 5000].map(|d| now + d));
        let fire = &plan.fires[0];
        assert_eq!(fire.fire_state, FireState::Pending);
        assert_eq!(fire.trigger_type, "CRON");
        assert_eq!((fire.job_group, fire.executor_fail_retry_count), (3, 2));
        assert_eq!(fire.trigger_time.to_string(), "2023-11-15 06:13:21");
        assert_eq!(
            plan.updates,
            [ScheduleUpdate {
                job_id: 1,
                last: now + 5000,
                next: now + 6000,
                status: None
            }]
        );
    }

    #[test]
    fn a_long_missed_job_fires_once_now_or_not_at_all() {
        let now = 1_700_000_000_000;
        let jobs = [
            job(1, "FIX_RATE", "3600", "FIRE_ONCE_NOW", now - 60_000),
            job(2, "FIX_RATE", "3600", "DO_NOTHING", now - 60_000),
        ];
        let plan = plan_scan(&jobs, now, now + PRE_READ_MS, chrono_tz::UTC);
        assert_eq!(plan.fires.len(), 1);
        assert_eq!((plan.fires[0].job_id, plan.fires[0].fire_at), (1, now));
        assert_eq!(plan.fires[0].trigger_type, "MISFIRE");
        assert!(
            plan.updates
                .iter()
                .all(|u| u.next > now && u.status.is_none())
        );
    }

    #[test]
    fn a_job_whose_schedule_no_longer_parses_is_stopped() {
        let now = 1_700_000_000_000;
        let jobs = [
            job(1, "CRON", "61 * * * * ?", "DO_NOTHING", now),
            job(2, "FIX_RATE", "x", "DO_NOTHING", now),
        ];
        let plan = plan_scan(&jobs, now, now + PRE_READ_MS, chrono_tz::UTC);
        assert!(plan.fires.is_empty());
        for (update, id) in plan.updates.iter().zip([1, 2]) {
            let stopped = ScheduleUpdate {
                job_id: id,
                last: 0,
                next: 0,
                status: Some(0),
            };
            assert_eq!(*update, stopped);
        }
    }

    #[test]
    fn scans_run_half_a_second_past_the_second_boundary() {
        let t = 1_700_000_000_000;
        assert_eq!(
            pause_after(t + 600, t + 750, true),
            Duration::from_millis(750)
        );
        assert_eq!(
            pause_after(t + 600, t + 750, false),
            Duration::from_millis(4750)
        );
        // A scan that woke a little late still aims at the next half second.
        assert_eq!(
            pause_after(t + 100, t + 250, true),
            Duration::from_millis(250)
        );
        assert_eq!(pause_after(t, t + 1500, true), Duration::ZERO);
    }
}
