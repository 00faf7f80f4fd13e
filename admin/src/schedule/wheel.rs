//! The millisecond time wheel: fires wait here between the scan that recorded them and the
//! instant they are due, then go to the dispatcher.
//!
//! XXL-JOB keeps a 60-slot ring keyed by second-of-minute, so a fire is released at the whole
//! second, up to a second late, and the ring's contents die with the process (its issue
//! #3369). Here each fire waits in a tokio-util [`DelayQueue`] keyed by its exact `fire_at`,
//! and what waits is only a copy: the scan already wrote every fire as a durable `Pending`
//! log row, so on shutdown (or a crash) the wheel simply stops and the intents are fired by
//! whichever admin's [`OrphanSweeper`](super::orphans::OrphanSweeper) finds them.

use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::time::DelayQueue;

use crate::dispatch::fire::Fire;
use crate::time::now_ms;

/// Where released fires go (the dispatcher's `submit`). It must not block: the wheel runs it
/// inline, and a late call makes every later fire late.
pub type Sink = Box<dyn FnMut(Fire) + Send>;

/// Puts fires on a running [`TimeWheel`]; cheap to clone.
#[derive(Clone, Debug)]
pub struct WheelHandle {
    sender: mpsc::UnboundedSender<Fire>,
}

impl WheelHandle {
    /// Hands `fire` to the wheel; false when the wheel has stopped (the fire's row stays
    /// `Pending` for the orphan sweeper).
    pub fn schedule(&self, fire: Fire) -> bool {
        self.sender.send(fire).is_ok()
    }
}

/// A task that releases each fire `lead` before its `fire_at`, in time order.
pub struct TimeWheel {
    receiver: mpsc::UnboundedReceiver<Fire>,
    sink: Sink,
    lead: i64,
}

impl TimeWheel {
    /// A wheel releasing into `sink` `lead` before each fire's instant (the dispatcher
    /// claims and loads a fire in that time and holds it until the instant, see
    /// [`gate`](crate::dispatch::gate)), and the handle that feeds it.
    ///
    /// The feeding channel is unbounded on purpose: the scan must never wait on the wheel,
    /// and what it can send is bounded anyway by one scan's limit per second.
    pub fn new(sink: Sink, lead: Duration) -> (Self, WheelHandle) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let lead = i64::try_from(lead.as_millis()).unwrap_or(i64::MAX);
        (
            Self {
                receiver,
                sink,
                lead,
            },
            WheelHandle { sender },
        )
    }

    /// Runs until `shutdown`; returns how many fires were still waiting (they stay `Pending`
    /// in the database). Also returns once every handle is dropped and nothing waits.
    pub async fn run(mut self, shutdown: CancellationToken) -> usize {
        let mut queue: DelayQueue<Fire> = DelayQueue::new();
        let mut feeding = true;
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                Some(expired) = queue.next(), if !queue.is_empty() => {
                    (self.sink)(expired.into_inner());
                }
                fire = self.receiver.recv(), if feeding => match fire {
                    Some(fire) => {
                        let due = due_instant(fire.fire_at.saturating_sub(self.lead));
                        queue.insert_at(fire, due);
                    }
                    None => feeding = false,
                },
                else => break,
            }
        }
        let left = queue.len();
        if left > 0 {
            tracing::info!(
                left,
                "time wheel stopped; its fires stay pending for the next admin"
            );
        }
        left
    }
}

/// The monotonic instant of an epoch-ms time; past times are due now.
fn due_instant(at: i64) -> Instant {
    let delay = u64::try_from(at.saturating_sub(now_ms())).unwrap_or(0);
    Instant::now() + Duration::from_millis(delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fire(log_id: i64, fire_at: i64) -> Fire {
        Fire::test_intent(log_id, fire_at)
    }

    fn collecting_wheel(
        lead: Duration,
    ) -> (TimeWheel, WheelHandle, mpsc::UnboundedReceiver<(Fire, i64)>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (wheel, handle) = TimeWheel::new(
            Box::new(move |fire| {
                let _ = tx.send((fire, now_ms()));
            }),
            lead,
        );
        (wheel, handle, rx)
    }

    #[tokio::test]
    async fn releases_fires_in_time_order_not_arrival_order_and_never_early() {
        let (wheel, handle, mut released) = collecting_wheel(Duration::ZERO);
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(wheel.run(shutdown.clone()));
        let base = now_ms();
        for (id, offset) in [(1, 300), (2, 100), (3, 200), (4, -50)] {
            assert!(handle.schedule(fire(id, base + offset)));
        }
        let mut order = Vec::new();
        for _ in 0..4 {
            let (fire, at) = released.recv().await.unwrap();
            assert!(
                at >= fire.fire_at,
                "fire {} released {} ms early",
                fire.log_id,
                fire.fire_at - at
            );
            assert!(
                at - fire.fire_at < 200,
                "fire {} released {} ms late",
                fire.log_id,
                at - fire.fire_at
            );
            order.push(fire.log_id);
        }
        assert_eq!(order, [4, 2, 3, 1]);
        shutdown.cancel();
        assert_eq!(task.await.unwrap(), 0);
    }

    #[tokio::test]
    async fn shutdown_leaves_waiting_fires_unreleased() {
        let (wheel, handle, mut released) = collecting_wheel(Duration::ZERO);
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(wheel.run(shutdown.clone()));
        let base = now_ms();
        handle.schedule(fire(1, base));
        handle.schedule(fire(2, base + 60_000));
        handle.schedule(fire(3, base + 61_000));
        assert_eq!(released.recv().await.unwrap().0.log_id, 1);
        shutdown.cancel();
        assert_eq!(task.await.unwrap(), 2);
        assert!(released.try_recv().is_err());
        assert!(
            !handle.schedule(fire(4, base)),
            "a stopped wheel takes nothing"
        );
    }

    #[tokio::test]
    async fn a_lead_releases_each_fire_that_much_before_its_instant() {
        let lead = Duration::from_millis(300);
        let (wheel, handle, mut released) = collecting_wheel(lead);
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(wheel.run(shutdown.clone()));
        let due = now_ms() + 500;
        handle.schedule(fire(1, due));
        let (fire, at) = released.recv().await.unwrap();
        assert_eq!(fire.log_id, 1);
        let early = due - at;
        assert!(
            (250..=300).contains(&early),
            "released {early} ms before its instant, expected 300"
        );
        shutdown.cancel();
        assert_eq!(task.await.unwrap(), 0);
    }
}
