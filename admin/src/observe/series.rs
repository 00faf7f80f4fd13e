//! Every series the admin exports, and how each is recorded.
//!
//! | series | type | labels | what |
//! |---|---|---|---|
//! | `jobwheel_fires_total` | counter | `result`, `trigger_type` | fires settled by this admin: `success` (the executor accepted), `failed` (refused, unreachable, no address…), `refused` (a dispatch pool was full), `skipped` (misfire policy) |
//! | `jobwheel_fire_lateness_seconds` | histogram | | dispatch start − scheduled time |
//! | `jobwheel_dispatch_queued` | gauge | `pool` | fires waiting in a pool's queue |
//! | `jobwheel_dispatch_busy_workers` | gauge | `pool` | workers triggering a fire now |
//! | `jobwheel_dispatch_workers` | gauge | `pool` | workers of the pool (busy / workers = occupancy) |
//! | `jobwheel_executor_call_duration_seconds` | histogram | `result` | one `/run` (or `/trigger`) call |
//! | `jobwheel_scan_duration_seconds` | histogram | | one scan, lock wait included |
//! | `jobwheel_scan_lock_wait_seconds` | histogram | | waiting for the cluster's `schedule_lock` |
//! | `jobwheel_scans_total` | counter | `result` | scans that committed (`ok`) or failed (`error`) |
//! | `jobwheel_scan_jobs_total` | counter | | due jobs read by scans (÷ scans = jobs per scan) |
//! | `jobwheel_scan_fires_total` | counter | | fires recorded by scans (÷ scans = fires per scan) |
//! | `jobwheel_orphan_fires_total` | counter | `outcome` | intents of a stopped admin settled here: `fired`, `misfired`, `skipped`, `stuck` |
//! | `jobwheel_registry_executors` | gauge | | live executor registrations, as the registry monitor last saw them |
//!
//! Histograms are Prometheus histograms (buckets, see [`SECONDS_BUCKETS`]), so the series of
//! several admins add up in a query. Labels are small fixed sets: never a job id.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{
    Counter, Histogram, Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge,
    histogram,
};

use crate::dispatch::fire::TriggerType;
use crate::schedule::orphans::SweepReport;
use crate::time::now_ms;

/// Fires settled, by result and trigger type.
pub const FIRES: &str = "jobwheel_fires_total";
/// Dispatch start minus the fire's scheduled instant.
pub const FIRE_LATENESS: &str = "jobwheel_fire_lateness_seconds";
/// Fires waiting in a dispatch pool's queue.
pub const POOL_QUEUED: &str = "jobwheel_dispatch_queued";
/// Workers of a pool busy with a fire.
pub const POOL_BUSY: &str = "jobwheel_dispatch_busy_workers";
/// Workers of a pool.
pub const POOL_WORKERS: &str = "jobwheel_dispatch_workers";
/// One executor trigger call.
pub const EXECUTOR_CALL: &str = "jobwheel_executor_call_duration_seconds";
/// One scan.
pub const SCAN_DURATION: &str = "jobwheel_scan_duration_seconds";
/// Waiting for the cluster lock.
pub const SCAN_LOCK_WAIT: &str = "jobwheel_scan_lock_wait_seconds";
/// Scans, by result.
pub const SCANS: &str = "jobwheel_scans_total";
/// Due jobs read by scans.
pub const SCAN_JOBS: &str = "jobwheel_scan_jobs_total";
/// Fires recorded by scans.
pub const SCAN_FIRES: &str = "jobwheel_scan_fires_total";
/// Orphaned intents settled, by outcome.
pub const ORPHANS: &str = "jobwheel_orphan_fires_total";
/// Live executor registrations.
pub const REGISTRY: &str = "jobwheel_registry_executors";

/// Buckets of every `_seconds` histogram: 1 ms to 30 s, covering a lock wait on an idle
/// database as well as a fire that waited out an executor timeout.
pub const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How a fire ended, as far as this admin is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FireResult {
    /// The executor accepted the trigger.
    Success,
    /// The trigger failed (executor refused or unreachable, no address, job gone…).
    Failed,
    /// A dispatch pool refused it (full, or shutting down).
    Refused,
    /// Not executed, by the job's misfire policy.
    Skipped,
}

impl FireResult {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failed => "failed",
            Self::Refused => "refused",
            Self::Skipped => "skipped",
        }
    }
}

/// Gives every series its help text (shown as `# HELP` once the series exists).
pub fn describe() {
    describe_counter!(
        FIRES,
        Unit::Count,
        "Fires settled by this admin, by result and trigger type"
    );
    describe_histogram!(
        FIRE_LATENESS,
        Unit::Seconds,
        "Dispatch start minus the fire's scheduled time"
    );
    describe_gauge!(
        POOL_QUEUED,
        Unit::Count,
        "Fires waiting in the dispatch pool's queue"
    );
    describe_gauge!(
        POOL_BUSY,
        Unit::Count,
        "Dispatch pool workers busy with a fire"
    );
    describe_gauge!(POOL_WORKERS, Unit::Count, "Dispatch pool workers");
    describe_histogram!(
        EXECUTOR_CALL,
        Unit::Seconds,
        "Duration of one executor trigger call"
    );
    describe_histogram!(
        SCAN_DURATION,
        Unit::Seconds,
        "Duration of one schedule scan, lock wait included"
    );
    describe_histogram!(
        SCAN_LOCK_WAIT,
        Unit::Seconds,
        "Time a scan waited for the cluster's schedule_lock"
    );
    describe_counter!(SCANS, Unit::Count, "Schedule scans, by result");
    describe_counter!(SCAN_JOBS, Unit::Count, "Due jobs read by schedule scans");
    describe_counter!(SCAN_FIRES, Unit::Count, "Fires recorded by schedule scans");
    describe_counter!(
        ORPHANS,
        Unit::Count,
        "Intents of a stopped admin settled by this one, by outcome"
    );
    describe_gauge!(REGISTRY, Unit::Count, "Live executor registrations");
}

/// A fire was settled with `result`.
pub fn fire_settled(trigger_type: TriggerType, result: FireResult) {
    static SETTLED: [[OnceLock<Counter>; 4]; TriggerType::ALL.len()] =
        [const { [const { OnceLock::new() }; 4] }; TriggerType::ALL.len()];
    with_handle(
        SETTLED
            .get(trigger_type as usize)
            .and_then(|by_result| by_result.get(result as usize)),
        || counter!(FIRES, "result" => result.as_str(), "trigger_type" => trigger_type.as_str()),
        |settled| settled.increment(1),
    );
}

/// A pool worker starts the fire scheduled at `fire_at` (epoch ms).
pub fn fire_started(fire_at: i64) {
    static LATENESS: OnceLock<Histogram> = OnceLock::new();
    let late_ms = now_ms().saturating_sub(fire_at).max(0);
    with_handle(
        Some(&LATENESS),
        || histogram!(FIRE_LATENESS),
        |lateness| lateness.record(late_ms as f64 / 1000.0),
    );
}

/// An executor call took `elapsed`; `ok` when the executor accepted.
pub fn executor_called(elapsed: Duration, ok: bool) {
    static CALLS: [OnceLock<Histogram>; 2] = [const { OnceLock::new() }; 2];
    let result = if ok { "success" } else { "failed" };
    with_handle(
        CALLS.get(usize::from(ok)),
        || histogram!(EXECUTOR_CALL, "result" => result),
        |calls| calls.record(elapsed.as_secs_f64()),
    );
}

/// Uses the handle of a series recorded for every fire, kept in `slot` once made.
///
/// `counter!` and `histogram!` build the series' key and look it up in the recorder's
/// registry on every call: about 1,500 instructions each, three per fire, 2 % of the
/// admin's instructions (BENCHMARKS.md, "What was changed" 22). A handle is bound to the
/// recorder installed when it was made, so one is kept only once ours is installed; before
/// that (or under an embedding application's recorder) every call makes its own, as before.
/// Without a slot (an enum that outgrew its table of handles) the call makes its own too:
/// a missed cache, never a panic.
fn with_handle<T>(slot: Option<&OnceLock<T>>, make: impl FnOnce() -> T, record: impl FnOnce(&T)) {
    match slot.filter(|_| super::exporter::is_installed()) {
        Some(slot) => record(slot.get_or_init(make)),
        None => record(&make()),
    }
}

/// A scan ended after `elapsed`: `Some((jobs, fires))` when it committed, `None` on error.
pub fn scan_finished(elapsed: Duration, outcome: Option<(usize, usize)>) {
    histogram!(SCAN_DURATION).record(elapsed.as_secs_f64());
    match outcome {
        Some((jobs, fires)) => {
            counter!(SCANS, "result" => "ok").increment(1);
            counter!(SCAN_JOBS).increment(jobs as u64);
            counter!(SCAN_FIRES).increment(fires as u64);
        }
        None => counter!(SCANS, "result" => "error").increment(1),
    }
}

/// A scan held the cluster lock after waiting `elapsed` for it.
pub fn scan_lock_waited(elapsed: Duration) {
    histogram!(SCAN_LOCK_WAIT).record(elapsed.as_secs_f64());
}

/// A sweep settled orphaned intents.
pub fn orphans_settled(report: &SweepReport) {
    let counts = [
        ("fired", report.fired as u64),
        ("misfired", report.misfired as u64),
        ("skipped", report.skipped as u64),
        ("stuck", report.stuck),
    ];
    for (outcome, count) in counts {
        if count > 0 {
            counter!(ORPHANS, "outcome" => outcome).increment(count);
        }
    }
}

/// The registry monitor counted `executors` live registrations.
pub fn registry_size(executors: usize) {
    gauge!(REGISTRY).set(executors as f64);
}

/// The gauges of one dispatch pool.
#[derive(Debug, Clone)]
pub struct PoolGauges {
    queued: metrics::Gauge,
    busy: metrics::Gauge,
}

impl PoolGauges {
    /// The gauges of pool `name`, which has `workers` workers.
    pub fn new(name: &'static str, workers: usize) -> Self {
        gauge!(POOL_WORKERS, "pool" => name).set(workers as f64);
        Self {
            queued: gauge!(POOL_QUEUED, "pool" => name),
            busy: gauge!(POOL_BUSY, "pool" => name),
        }
    }

    /// A fire entered the queue.
    pub fn enqueued(&self) {
        self.queued.increment(1.0);
    }

    /// A worker took a fire from the queue; it counts as busy until the guard drops (also
    /// when the worker is aborted mid-fire).
    pub fn taken(&self) -> BusyGuard {
        self.queued.decrement(1.0);
        self.busy.increment(1.0);
        BusyGuard(self.busy.clone())
    }
}

/// Counts one worker busy while alive.
#[derive(Debug)]
pub struct BusyGuard(metrics::Gauge);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}
