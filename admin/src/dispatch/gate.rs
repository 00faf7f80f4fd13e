//! The gate: claimed, loaded fires wait here for their instant, then go to the pools.
//!
//! Why: claiming a second's fires and reading their jobs is a database transaction that
//! takes 20–130 ms for a burst of 1,000 on MariaDB (more while the scan or the recorder
//! writes). Done at the instant of the fire, that time was added to every fire of the
//! burst (BENCHMARKS.md, "Lateness"). So the wheel releases a scheduled fire
//! [`CLAIM_AHEAD`] before it is due, the [`intake`](super::intake) claims and loads it
//! then, and the gate holds the ready fire until its `fire_at`: at the instant itself only
//! the executor call is left to do.
//!
//! A fire is never released early. One whose instant has passed (a manual trigger, or a
//! claim that took longer than the lead) goes straight through. On a graceful stop the
//! gate keeps releasing what it holds at its instant (at most [`CLAIM_AHEAD`] away) before
//! it ends; on a crash, what it held stays `Claimed`, and the orphan sweeper closes those
//! rows as failed "stuck" claims, exactly as for a fire that was on its way to the executor.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::time::DelayQueue;

use super::in_flight::InFlight;
use super::intake::Ready;
use super::pool::Pools;
use super::recorder::Recorder;
use crate::observe::series::FireResult;
use crate::time::now_ms;

/// How long before its instant a scheduled fire is claimed and loaded. Long enough for the
/// claim of a burst of a few thousand fires on a busy database, short enough that the job
/// it loads is the job as it is when it fires (an edit in this last moment applies to the
/// next fire).
pub const CLAIM_AHEAD: Duration = Duration::from_millis(300);

/// The gate task's state.
pub(super) struct Gate {
    pub pools: Arc<Pools<Ready>>,
    pub recorder: Arc<Recorder>,
    pub in_flight: Arc<InFlight>,
}

impl Gate {
    /// Holds and releases fires until the intake is gone and nothing waits.
    pub async fn run(self, mut receiver: mpsc::UnboundedReceiver<Ready>) {
        let mut waiting: DelayQueue<Ready> = DelayQueue::new();
        let mut feeding = true;
        loop {
            tokio::select! {
                biased;
                Some(due) = waiting.next(), if !waiting.is_empty() => {
                    self.release(due.into_inner());
                }
                ready = receiver.recv(), if feeding => match ready {
                    Some(ready) => match wait_for(ready.fire.fire_at) {
                        Some(wait) => {
                            waiting.insert(ready, wait);
                        }
                        None => self.release(ready),
                    },
                    None => feeding = false,
                },
                else => break,
            }
        }
    }

    /// Hands a due fire to its pool; a full or closed pool fails it (recorded, as every
    /// claimed fire that cannot be sent).
    fn release(&self, ready: Ready) {
        let job_id = ready.fire.job_id;
        // Counted before it is queued: a worker may finish it before `submit` returns.
        self.in_flight.start();
        if let Err((ready, reason)) = self.pools.submit(job_id, ready) {
            self.in_flight.finish();
            tracing::warn!(log_id = ready.fire.log_id, job_id, %reason, "fire refused");
            self.recorder
                .record_failure(&ready.fire, &reason, FireResult::Refused);
        }
    }
}

/// How long until `fire_at` (epoch ms); `None` when it is due already.
fn wait_for(fire_at: i64) -> Option<Duration> {
    let wait = fire_at.saturating_sub(now_ms());
    u64::try_from(wait)
        .ok()
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::dispatch::fire::Fire;
    use crate::dispatch::pool::{Handler, SlowJobs};
    use crate::store::{AddressType, JobDispatch, JobGroup};

    fn ready(log_id: i64, fire_at: i64) -> Ready {
        Ready {
            fire: Fire::test_intent(log_id, fire_at),
            job: Arc::new(JobDispatch::default()),
            group: Arc::new(JobGroup {
                id: 1,
                app_name: "gate".into(),
                title: "gate".into(),
                address_type: AddressType::default(),
                address_list: None,
                update_time: None,
                access_token: None,
                protocol: None,
            }),
        }
    }

    /// Fires held at the gate reach the pools at their instant, never before, in time
    /// order; one already due goes through at once; closing releases what waits.
    #[tokio::test]
    async fn held_fires_reach_the_pools_at_their_instant_never_before() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("gate.db").display());
        let store = crate::store::connect(&url, 1).await.unwrap();
        let in_flight = Arc::new(InFlight::default());
        let released: Arc<Mutex<Vec<(i64, i64, i64)>>> = Arc::default();
        let handler: Handler<Ready> = {
            let released = released.clone();
            let in_flight = in_flight.clone();
            Arc::new(move |ready: Ready| {
                let released = released.clone();
                let in_flight = in_flight.clone();
                Box::pin(async move {
                    let fire = &ready.fire;
                    released
                        .lock()
                        .unwrap()
                        .push((fire.log_id, fire.fire_at, now_ms()));
                    in_flight.finish();
                })
            })
        };
        let pools = Arc::new(Pools::start(
            (4, 1, 100),
            Arc::new(SlowJobs::default()),
            handler,
        ));
        let gate = Gate {
            pools: pools.clone(),
            recorder: Arc::new(Recorder::start(store, in_flight.clone())),
            in_flight: in_flight.clone(),
        };
        let stage = crate::dispatch::stage::Stage::spawn("gate", |rx| gate.run(rx));
        let now = now_ms();
        for (log_id, offset) in [(1, 400), (2, 200), (3, -1000)] {
            assert!(stage.send(ready(log_id, now + offset)).is_ok());
        }
        assert!(stage.close(Duration::from_secs(5)).await, "drained in time");
        assert!(pools.drain(Duration::from_secs(5)).await);
        let released = released.lock().unwrap().clone();
        let order: Vec<i64> = released.iter().map(|r| r.0).collect();
        assert_eq!(order, [3, 2, 1], "the due one at once, then in time order");
        for (log_id, fire_at, at) in released {
            assert!(
                at >= fire_at,
                "fire {log_id} released {} ms early",
                fire_at - at
            );
            if fire_at > now {
                assert!(
                    at - fire_at < 200,
                    "fire {log_id} released {} ms late",
                    at - fire_at
                );
            }
        }
        assert_eq!(in_flight.count(), 0);
    }

    #[test]
    fn only_a_fire_still_ahead_waits() {
        let now = now_ms();
        assert_eq!(wait_for(now - 5), None);
        assert_eq!(wait_for(now - 5_000_000), None);
        let wait = wait_for(now + 250).map(|d| d.as_millis());
        assert!(wait.is_some_and(|ms| (200..=250).contains(&ms)), "{wait:?}");
    }
}
