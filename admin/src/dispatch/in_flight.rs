//! Fires on their way to an executor right now, so that bookkeeping can write behind them.
//!
//! Why: a second's fires leave the [`gate`](super::gate) together. Writing their trigger
//! outcomes ([`recorder`](super::recorder)) and their executors' results (the callback
//! completer) while the rest of the burst was still being sent made the database — on the
//! same cores, and the largest share of the CPU a fire costs on MariaDB — compete with the
//! executor calls, so every write during a burst made its last fires later. The writers
//! therefore wait for a quiet moment: until no fire is between the gate and its executor's
//! answer, or at most [`MAX_DEFER`]. Under a load that never pauses they write every
//! [`MAX_DEFER`], in bigger batches, which costs the database less per row.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

/// The longest a write waits for the dispatch to quieten. Outcomes and results are durable
/// on the executor side meanwhile (a result is acknowledged only once written), so this only
/// delays when the console shows them.
pub const MAX_DEFER: Duration = Duration::from_millis(250);

/// Counts fires between the gate and their executor's answer.
#[derive(Debug, Default)]
pub struct InFlight {
    count: AtomicUsize,
    quiet: Notify,
}

impl InFlight {
    /// A fire left the gate.
    pub fn start(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
    }

    /// A fire's executor answered (or it failed before the call).
    pub fn finish(&self) {
        if self.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.quiet.notify_waiters();
        }
    }

    /// Fires in flight now.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// What a writer behind the dispatch does with the `batch` it just received: waits for
    /// quiet (at most [`MAX_DEFER`]), then adds what arrived on `receiver` meanwhile, up to
    /// `max` items, so that it goes in the same write.
    pub async fn gather_behind<T>(
        &self,
        receiver: &mut mpsc::UnboundedReceiver<T>,
        batch: &mut Vec<T>,
        max: usize,
    ) {
        self.quiet(MAX_DEFER).await;
        while batch.len() < max
            && let Ok(item) = receiver.try_recv()
        {
            batch.push(item);
        }
    }

    /// Waits until no fire is in flight, or `within` has passed.
    pub async fn quiet(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.quiet.notified();
            tokio::pin!(notified);
            // Registered before the check, so a `finish` in between is not missed.
            notified.as_mut().enable();
            if self.count() == 0 {
                return;
            }
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(deadline) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn quiet_returns_at_once_when_nothing_is_in_flight() {
        let in_flight = InFlight::default();
        let started = std::time::Instant::now();
        in_flight.quiet(Duration::from_secs(5)).await;
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn quiet_waits_for_the_last_fire_to_finish() {
        let in_flight = Arc::new(InFlight::default());
        in_flight.start();
        in_flight.start();
        let waiter = {
            let in_flight = in_flight.clone();
            tokio::spawn(async move { in_flight.quiet(Duration::from_secs(30)).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        in_flight.finish();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "one fire is still in flight");
        in_flight.finish();
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("quiet once the last fire finished")
            .unwrap();
    }

    #[tokio::test]
    async fn quiet_gives_up_after_its_bound() {
        let in_flight = InFlight::default();
        in_flight.start();
        let started = std::time::Instant::now();
        in_flight.quiet(Duration::from_millis(100)).await;
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(100), "{waited:?}");
        assert_eq!(in_flight.count(), 1);
    }
}
