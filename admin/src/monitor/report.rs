//! The report monitor (PROTOCOL.md §6.6): every minute, recount today and the two days
//! before into `xxl_job_log_report`, which the dashboard reads. Every admin may run it; the
//! writes are idempotent (the last writer's counts are as true as anyone's).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::service::reports;

/// XXL-JOB's period.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(60);

/// The loop; build it with [`ReportMonitor::new`], start it with [`ReportMonitor::run`].
pub struct ReportMonitor {
    state: AppState,
    period: Duration,
}

impl ReportMonitor {
    /// A monitor ticking every [`DEFAULT_PERIOD`].
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            period: DEFAULT_PERIOD,
        }
    }

    /// The same, ticking every `period`.
    pub fn with_period(mut self, period: Duration) -> Self {
        self.period = period;
        self
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) {
        let period = self.period;
        super::ticker::every("report", period, shutdown, || {
            reports::refresh_recent(&self.state)
        })
        .await;
    }
}
