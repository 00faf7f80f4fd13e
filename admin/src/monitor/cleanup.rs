//! Log retention (PROTOCOL.md §6.7): once a day, delete trigger logs older than
//! `log_retention_days` (counted from today's midnight, admin zone), a thousand rows per
//! statement so no delete holds a lock for long. Below 3 days the cleanup is off, as in
//! XXL-JOB. The first pass runs at start, then one each period.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::error::Result;
use crate::service::joblog::{days_before_midnight, delete_in_batches};
use crate::store::LogScope;
use crate::time::now_naive;

/// XXL-JOB's period: once a day per admin, measured from its start.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(24 * 3600);
/// Retention below this many days disables the cleanup.
pub const MIN_RETENTION_DAYS: u32 = 3;

/// The loop; build it with [`LogCleanup::new`], start it with [`LogCleanup::run`].
pub struct LogCleanup {
    state: AppState,
    period: Duration,
}

impl LogCleanup {
    /// A cleanup of the configured retention, every [`DEFAULT_PERIOD`].
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            period: DEFAULT_PERIOD,
        }
    }

    /// The same, every `period`.
    pub fn with_period(mut self, period: Duration) -> Self {
        self.period = period;
        self
    }

    /// Runs until `shutdown` is cancelled (a pass stops between batches).
    pub async fn run(self, shutdown: CancellationToken) {
        let period = self.period;
        let stop = shutdown.clone();
        super::ticker::every("cleanup", period, shutdown, || async {
            self.pass(Some(&stop)).await.map(|_| ())
        })
        .await;
    }

    /// One pass; returns how many logs it deleted (0 when retention is off).
    pub async fn pass(&self, stop: Option<&CancellationToken>) -> Result<u64> {
        let days = self.state.config.log_retention_days;
        if days < MIN_RETENTION_DAYS {
            return Ok(0);
        }
        let scope = LogScope {
            before: Some(days_before_midnight(now_naive(self.state.tz), days)),
            ..LogScope::default()
        };
        let deleted = delete_in_batches(&self.state, &scope, stop).await?;
        if deleted > 0 {
            tracing::info!(deleted, days, "old trigger logs deleted");
        }
        Ok(deleted)
    }
}
