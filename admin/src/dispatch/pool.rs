//! Bounded dispatch pools, fast and slow (PROTOCOL.md §3.7, DESIGN.md decision 5).
//!
//! A trigger is mostly waiting: a database round trip, maybe a probe, an HTTP call to the
//! executor. One slow executor group must not hold up every other job, so jobs whose triggers
//! keep taking more than 500 ms move to a separate slow pool ([`SlowJobs`]).
//!
//! Each pool is a fixed set of worker tasks reading one bounded queue. A full queue refuses
//! the item back to the caller instead of blocking it (the wheel and the scan must never
//! wait on an executor) or dropping it (XXL-JOB ≥ 2.5 drops it silently, §10.15): the caller
//! records the refusal as a failed trigger so retry and alarm see it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::observe::series::PoolGauges;

/// Work a pool's workers run for each item.
pub type Handler<T> = Arc<dyn Fn(T) -> BoxFuture<'static, ()> + Send + Sync>;

/// A fixed number of workers reading one bounded queue.
pub struct Pool<T> {
    name: &'static str,
    sender: Mutex<Option<mpsc::Sender<T>>>,
    gauges: PoolGauges,
    workers: tokio::sync::Mutex<JoinSet<()>>,
}

impl<T: Send + 'static> Pool<T> {
    /// Starts `workers` tasks; `queue` items may wait beyond the ones being worked on.
    pub fn start(name: &'static str, workers: usize, queue: usize, handler: Handler<T>) -> Self {
        let (sender, receiver) = mpsc::channel(queue.max(1));
        let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
        let gauges = PoolGauges::new(name, workers.max(1));
        let mut set = JoinSet::new();
        for _ in 0..workers.max(1) {
            let receiver = receiver.clone();
            let handler = handler.clone();
            let gauges = gauges.clone();
            set.spawn(async move {
                loop {
                    // The lock is held only while waiting for the next item, so idle workers
                    // queue up on it and busy ones do not block anybody.
                    let item = receiver.lock().await.recv().await;
                    match item {
                        Some(item) => {
                            let _busy = gauges.taken();
                            handler(item).await
                        }
                        None => break,
                    }
                }
            });
        }
        Self {
            name,
            sender: Mutex::new(Some(sender)),
            gauges,
            workers: tokio::sync::Mutex::new(set),
        }
    }

    /// The pool's name, for messages and logs.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Queues `item`, or gives it back when the queue is full or the pool is closed.
    pub fn try_submit(&self, item: T) -> Result<(), Refused<T>> {
        let sender = self.sender.lock().unwrap_or_else(PoisonError::into_inner);
        match sender.as_ref() {
            None => Err(Refused::Closed(item)),
            Some(sender) => sender
                .try_send(item)
                .map(|()| self.gauges.enqueued())
                .map_err(|e| match e {
                    mpsc::error::TrySendError::Full(item) => Refused::Full(item),
                    mpsc::error::TrySendError::Closed(item) => Refused::Closed(item),
                }),
        }
    }

    /// Stops taking items and lets the workers finish the queue, for at most `within`;
    /// workers still busy after that are aborted. Returns false when the bound was hit.
    pub async fn drain(&self, within: Duration) -> bool {
        self.sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let mut workers = self.workers.lock().await;
        let all_done = async { while workers.join_next().await.is_some() {} };
        let drained = tokio::time::timeout(within, all_done).await.is_ok();
        if !drained {
            tracing::warn!(
                pool = self.name,
                "dispatch pool did not drain in time; aborting its workers"
            );
            workers.abort_all();
        }
        drained
    }
}

impl<T> Pool<T> {
    /// Stops at once: takes nothing more and aborts the workers mid-item (a crash, for
    /// tests). Queued items are lost from memory; their rows are durable.
    pub async fn abort(&self) {
        self.sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.workers.lock().await.abort_all();
    }
}

/// Why a pool did not take an item; the item comes back for the caller to record.
#[derive(Debug)]
pub enum Refused<T> {
    /// The queue is full.
    Full(T),
    /// The pool is shutting down.
    Closed(T),
}

impl<T> Refused<T> {
    /// The refused item.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(item) | Self::Closed(item) => item,
        }
    }
}

/// The fast and the slow pool, and the rule that picks one for each job.
pub struct Pools<T> {
    fast: Pool<T>,
    slow: Pool<T>,
    slow_jobs: Arc<SlowJobs>,
}

impl<T: Send + 'static> Pools<T> {
    /// Both pools, sized `fast` and `slow` workers, each queueing up to `queue` items.
    pub fn start(
        (fast, slow, queue): (usize, usize, usize),
        slow_jobs: Arc<SlowJobs>,
        handler: Handler<T>,
    ) -> Self {
        Self {
            fast: Pool::start("fast", fast, queue, handler.clone()),
            slow: Pool::start("slow", slow, queue, handler),
            slow_jobs,
        }
    }

    /// Queues `item` of `job_id` on its pool, or gives it back with the failure message
    /// to record (`Trigger Fail：…`) when that pool is full or closed.
    pub fn submit(&self, job_id: i32, item: T) -> Result<(), (T, String)> {
        let pool = if self.slow_jobs.is_slow(job_id, crate::time::now_ms()) {
            &self.slow
        } else {
            &self.fast
        };
        pool.try_submit(item).map_err(|refused| match refused {
            Refused::Full(item) => (
                item,
                format!(
                    "Trigger Fail：the {} dispatch pool is full; this fire was not sent to an executor",
                    pool.name()
                ),
            ),
            Refused::Closed(item) => (item, "Trigger Fail：the admin is shutting down".into()),
        })
    }

    /// [`Pool::drain`] of both, side by side; false when either hit the bound.
    pub async fn drain(&self, within: Duration) -> bool {
        let (fast, slow) = tokio::join!(self.fast.drain(within), self.slow.drain(within));
        fast && slow
    }

    /// [`Pool::abort`] of both.
    pub async fn abort(&self) {
        tokio::join!(self.fast.abort(), self.slow.abort());
    }
}

/// A trigger slower than this counts toward moving its job to the slow pool.
pub const SLOW_TRIGGER: Duration = Duration::from_millis(500);
/// More slow triggers than this within the current minute move a job to the slow pool.
pub const SLOW_TRIGGERS_PER_MINUTE: u32 = 10;

/// The slow-pool rule, as XXL-JOB keeps it: per job, the count of triggers slower than
/// [`SLOW_TRIGGER`] in the current minute (epoch ms / 60 000); all counts reset when the
/// minute changes, so a job that recovers returns to the fast pool within a minute.
#[derive(Debug, Default)]
pub struct SlowJobs {
    inner: Mutex<SlowCounts>,
}

#[derive(Debug, Default)]
struct SlowCounts {
    minute: i64,
    counts: HashMap<i32, u32>,
}

impl SlowCounts {
    fn at(&mut self, now_ms: i64) -> &mut HashMap<i32, u32> {
        let minute = now_ms.div_euclid(60_000);
        if minute != self.minute {
            self.minute = minute;
            self.counts.clear();
        }
        &mut self.counts
    }
}

impl SlowJobs {
    /// True when `job_id` had more than [`SLOW_TRIGGERS_PER_MINUTE`] slow triggers in the
    /// minute of `now_ms`.
    pub fn is_slow(&self, job_id: i32, now_ms: i64) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner
            .at(now_ms)
            .get(&job_id)
            .is_some_and(|&count| count > SLOW_TRIGGERS_PER_MINUTE)
    }

    /// Notes that a trigger of `job_id`, finished at `now_ms`, took `cost`.
    pub fn record(&self, job_id: i32, cost: Duration, now_ms: i64) {
        if cost <= SLOW_TRIGGER {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        *inner.at(now_ms).entry(job_id).or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 28_000_000 * 60_000;

    #[test]
    fn a_job_moves_to_slow_after_more_than_ten_slow_triggers_in_a_minute() {
        let slow = SlowJobs::default();
        let slow_cost = Duration::from_millis(501);
        for i in 0..10 {
            slow.record(7, slow_cost, MINUTE + i);
        }
        assert!(
            !slow.is_slow(7, MINUTE + 100),
            "10 slow triggers are not more than 10"
        );
        slow.record(7, slow_cost, MINUTE + 200);
        assert!(slow.is_slow(7, MINUTE + 300));
        assert!(!slow.is_slow(8, MINUTE + 300), "other jobs are unaffected");
        assert!(
            !slow.is_slow(7, MINUTE + 60_000),
            "a new minute starts afresh"
        );
    }

    #[test]
    fn fast_triggers_do_not_count() {
        let slow = SlowJobs::default();
        for i in 0..50 {
            slow.record(1, Duration::from_millis(500), MINUTE + i);
        }
        assert!(!slow.is_slow(1, MINUTE + 100));
    }

    #[test]
    fn counts_of_the_previous_minute_are_forgotten() {
        let slow = SlowJobs::default();
        for i in 0..11 {
            slow.record(3, Duration::from_secs(1), MINUTE + 59_000 + i);
        }
        assert!(slow.is_slow(3, MINUTE + 59_999));
        slow.record(3, Duration::from_secs(1), MINUTE + 60_000);
        assert!(!slow.is_slow(3, MINUTE + 60_001));
    }

    #[tokio::test]
    async fn a_full_pool_gives_the_item_back() {
        let (started_tx, mut started) = mpsc::unbounded_channel();
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let handler: Handler<u32> = {
            let gate = gate.clone();
            Arc::new(move |item| {
                let gate = gate.clone();
                let started_tx = started_tx.clone();
                Box::pin(async move {
                    let _ = started_tx.send(item);
                    let _ = gate.acquire().await.map(|p| p.forget());
                })
            })
        };
        let pool = Pool::start("test", 1, 1, handler);
        pool.try_submit(1).unwrap();
        assert_eq!(started.recv().await, Some(1), "the worker took item 1");
        pool.try_submit(2).unwrap();
        match pool.try_submit(3) {
            Err(Refused::Full(3)) => {}
            other => panic!("expected Full(3), got {other:?}"),
        }
        gate.add_permits(2);
        assert_eq!(started.recv().await, Some(2));
        assert!(pool.drain(Duration::from_secs(5)).await);
        assert!(matches!(pool.try_submit(4), Err(Refused::Closed(4))));
    }

    #[tokio::test]
    async fn drain_is_bounded() {
        let handler: Handler<()> = Arc::new(|()| Box::pin(std::future::pending::<()>()));
        let pool = Pool::start("stuck", 2, 4, handler);
        pool.try_submit(()).unwrap();
        assert!(!pool.drain(Duration::from_millis(50)).await);
    }
}
