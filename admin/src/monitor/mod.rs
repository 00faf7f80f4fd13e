//! Background loops that keep the database true: each is a struct with
//! `run(self, shutdown)` that ticks until the token is cancelled.

pub mod cleanup;
pub mod failure;
pub mod lost;
pub mod registry;
pub mod report;
mod ticker;

use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::error::Result;

/// Starts what happens after a fire, with XXL-JOB's periods: the fail monitor (retry,
/// alarm), the lost-result monitor, the daily report and the log retention cleanup. They
/// stop when `shutdown` is cancelled. Call it with a state that has its dispatcher (retries
/// and child jobs trigger through it).
pub fn spawn_monitors(state: &AppState, shutdown: CancellationToken) -> Result<()> {
    let fail = failure::FailMonitor::new(state.clone())?;
    let lost = lost::LostMonitor::new(state.clone())?;
    tokio::spawn(fail.run(shutdown.clone()));
    tokio::spawn(lost.run(shutdown.clone()));
    tokio::spawn(report::ReportMonitor::new(state.clone()).run(shutdown.clone()));
    tokio::spawn(cleanup::LogCleanup::new(state.clone()).run(shutdown));
    Ok(())
}
