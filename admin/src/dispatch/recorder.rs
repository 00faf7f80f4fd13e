//! The recorder: writes the outcome of every trigger to its log row, many rows per
//! statement.
//!
//! Why: one autocommitted `UPDATE` per fire costs a round trip and a log flush each, and
//! that capped a MariaDB admin near 600 fires/s (BENCHMARKS.md). Pool workers hand their
//! outcomes here without waiting; one task writes whatever has gathered since its last
//! write in one transaction of `UPDATE … CASE id …` statements, so the batch grows with the
//! load and a quiet admin still writes each outcome at once. While fires are still being
//! sent it waits (at most [`MAX_DEFER`](super::in_flight::MAX_DEFER)), so that its writes
//! do not compete with them.
//!
//! An outcome is never dropped for a database error: the write is retried with backoff
//! until it succeeds (the rows stay `Claimed` meanwhile, which no other admin touches for
//! ten minutes), and [`Recorder::flush`] at shutdown waits for what is still queued.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use jobwheel_executor::protocol::CODE_FAIL;

use super::fire::Fire;
use super::in_flight::InFlight;
use super::stage::Stage;
use crate::observe::series::{self, FireResult};
use crate::store::{Store, TriggerRecord};

/// Most outcomes written by one statement batch (the store splits bigger ones anyway).
const MAX_BATCH: usize = 2000;
/// First wait after a failed write; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Queues trigger outcomes for one writer task. Cheap to share behind an `Arc`.
pub struct Recorder {
    stage: Stage<(i64, TriggerRecord)>,
}

impl Recorder {
    /// Starts the writer task over `store`, writing behind the fires `in_flight`.
    pub fn start(store: Arc<dyn Store>, in_flight: Arc<InFlight>) -> Self {
        Self {
            stage: Stage::spawn("recorder", |receiver| {
                write_batches(store, in_flight, receiver)
            }),
        }
    }

    /// Queues the outcome of fire `log_id`; never waits.
    pub fn record(&self, log_id: i64, record: TriggerRecord) {
        if self.stage.send((log_id, record)).is_err() {
            // Only after `flush`: every pool has drained by then, so nothing should arrive.
            tracing::error!(
                log_id,
                "trigger outcome arrived after the recorder stopped; the sweeper will close the row"
            );
        }
    }

    /// Queues the outcome of a claimed fire that failed before (or instead of) an executor
    /// call: code 500 and `msg`, counted under `result` in the metrics.
    pub fn record_failure(&self, fire: &Fire, msg: &str, result: FireResult) {
        series::fire_settled(fire.trigger_type, result);
        let record = TriggerRecord {
            trigger_code: CODE_FAIL,
            trigger_msg: format!("Trigger type：{}<br>{msg}", fire.trigger_type.title()),
            executor_param: fire.executor_param.clone(),
            executor_sharding_param: fire.sharding_param.clone(),
            executor_fail_retry_count: fire.fail_retry_count,
            ..TriggerRecord::default()
        };
        self.record(fire.log_id, record);
    }

    /// Stops taking outcomes and waits, at most `within`, until the queued ones are
    /// written. False when the bound was hit.
    pub async fn flush(&self, within: Duration) -> bool {
        self.stage.close(within).await
    }

    /// Stops at once, dropping what is queued (a crash, for tests).
    pub fn abort(&self) {
        self.stage.abort();
    }
}

/// The writer task: takes what has gathered, waits for the dispatch to quieten (see
/// [`in_flight`](super::in_flight)), takes what gathered meanwhile too, writes it all,
/// repeats until the queue closes.
async fn write_batches(
    store: Arc<dyn Store>,
    in_flight: Arc<InFlight>,
    mut receiver: mpsc::UnboundedReceiver<(i64, TriggerRecord)>,
) {
    let mut batch = Vec::new();
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        in_flight
            .gather_behind(&mut receiver, &mut batch, MAX_BATCH)
            .await;
        write_until_done(store.as_ref(), &batch).await;
        batch.clear();
    }
}

/// Writes `batch`, retrying with backoff until the database takes it.
async fn write_until_done(store: &dyn Store, batch: &[(i64, TriggerRecord)]) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match store.record_triggers(batch).await {
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    outcomes = batch.len(),
                    "cannot record trigger outcomes; retrying in {backoff:?}"
                );
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
