//! The loop every monitor runs: a pass now, then one each period, until shutdown. A failed
//! pass (database down) is logged and retried at the next tick: the loop never dies.

use std::future::Future;
use std::time::Duration;

use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::error::Result;

/// Runs `pass` every `period` until `shutdown` is cancelled; a pass in progress finishes
/// first (passes are short and leave the database consistent at every statement).
pub async fn every<F, Fut>(
    name: &'static str,
    period: Duration,
    shutdown: CancellationToken,
    mut pass: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = ticks.tick() => {}
        }
        if let Err(error) = pass().await {
            tracing::warn!(monitor = name, %error, "monitor pass failed");
        }
    }
    tracing::debug!(monitor = name, "monitor stopped");
}
