//! The registry monitor: turns heartbeats into routable address lists (PROTOCOL.md §2.5).
//!
//! Every 30 s it deletes registry rows whose executor has been silent for 90 s, then writes
//! each auto group's `address_list` from the live rows of its app name. A new executor is
//! therefore routable within one period of its first beat, and a dead one leaves routing
//! 90–120 s after its last. Every admin of a cluster runs it; the writes are idempotent.

use std::time::Duration;

use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::error::Result;
use crate::service::registry;

/// XXL-JOB's period, equal to the executors' beat interval.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(30);

/// The loop; build it with [`RegistryMonitor::new`], start it with [`RegistryMonitor::run`].
pub struct RegistryMonitor {
    state: AppState,
    period: Duration,
}

/// What one pass changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pass {
    /// Dead registry rows deleted.
    pub expired: u64,
    /// Auto groups whose address list was rewritten.
    pub groups_updated: usize,
}

impl RegistryMonitor {
    /// A monitor ticking every [`DEFAULT_PERIOD`].
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            period: DEFAULT_PERIOD,
        }
    }

    /// The same, ticking every `period` (tests use milliseconds).
    pub fn with_period(mut self, period: Duration) -> Self {
        self.period = period;
        self
    }

    /// Runs a pass now and then every period until `shutdown` is cancelled. A failed pass
    /// (database down) is logged and retried at the next tick: the loop never dies.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(self.period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = ticks.tick() => {}
            }
            match self.pass().await {
                Ok(pass) if pass != Pass::default() => {
                    tracing::debug!(
                        expired = pass.expired,
                        groups = pass.groups_updated,
                        "registry refreshed"
                    );
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "registry monitor pass failed"),
            }
        }
        tracing::debug!("registry monitor stopped");
    }

    /// One pass: expire the dead, then refresh every auto group.
    pub async fn pass(&self) -> Result<Pass> {
        let expired = registry::expire_dead(&self.state).await?;
        let groups_updated = registry::refresh_auto_groups(&self.state).await?;
        Ok(Pass {
            expired,
            groups_updated,
        })
    }
}
