//! Routing: which executor of a group gets a trigger (shared/PROTOCOL.md §4).
//!
//! Every strategy computes what XXL-JOB computes, so a job routes alike whichever admin of a
//! mixed Java/Jobwheel cluster fires it. The stateless ones are pure functions
//! ([`position`], [`consistent_hash`]); ROUND, LFU and LRU keep per-job state in [`Routers`]
//! (one per admin node, in memory, cleared daily, as in XXL-JOB); FAILOVER and BUSYOVER ask
//! the executors through an [`ExecutorProbe`] ([`probe`]). SHARDING_BROADCAST is not routed
//! here: the trigger fans out to every address.

pub mod consistent_hash;
pub mod least_used;
pub mod per_job;
pub mod position;
pub mod probe;
pub mod round;
mod strategy;

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use rand::Rng;

pub use probe::ExecutorProbe;
pub use strategy::RouteStrategy;

use least_used::{UseCounts, UseOrder};
use per_job::PerJob;
use round::RoundCounter;

/// Failure message for a group without addresses. The trigger normally reports XXL-JOB's own
/// "registry address is empty" before routing; this is the router's answer if asked anyway.
pub const EMPTY_GROUP: &str = "route fail: the executor address list is empty";

/// Where a trigger goes, or why it goes nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteOutcome {
    /// Send the trigger to `address`.
    Address {
        /// One of the group's addresses, verbatim.
        address: String,
        /// FAILOVER/BUSYOVER: the probe report (XXL-JOB appends it to the trigger message).
        report: Option<String>,
    },
    /// No address can take the trigger; the text goes into the trigger message.
    Fail(String),
}

impl RouteOutcome {
    fn picked(address: Option<&str>) -> Self {
        match address {
            Some(address) => Self::Address {
                address: address.to_string(),
                report: None,
            },
            None => Self::Fail(EMPTY_GROUP.to_string()),
        }
    }

    /// The chosen address, if any.
    pub fn address(&self) -> Option<&str> {
        match self {
            Self::Address { address, .. } => Some(address),
            Self::Fail(_) => None,
        }
    }
}

/// The routing state of one admin node: ROUND counters, LFU counts and LRU orders per job.
///
/// Cheap to share in an `Arc`; each map has its own lock, held only for the pick itself
/// (never across an await), so concurrent triggers of different strategies never wait on
/// each other and probes never hold a lock.
#[derive(Debug, Default)]
pub struct Routers {
    round: Mutex<PerJob<RoundCounter>>,
    frequency: Mutex<PerJob<UseCounts>>,
    recency: Mutex<PerJob<UseOrder>>,
}

impl Routers {
    /// Fresh state (XXL-JOB's state after an admin restart).
    pub fn new() -> Self {
        Self::default()
    }

    /// Picks the address of `addresses` (the group's list, in its order) for a trigger of
    /// `job_id` under `strategy`.
    ///
    /// An empty list fails with [`EMPTY_GROUP`]. FAILOVER and BUSYOVER call `probe` for each
    /// address in turn; no other strategy does I/O. SHARDING_BROADCAST is fanned out by the
    /// trigger, not routed: asked anyway, this returns the first address (where XXL-JOB sends
    /// a retried shard whose index is out of range).
    pub async fn route(
        &self,
        strategy: RouteStrategy,
        job_id: i32,
        addresses: &[String],
        probe: &dyn ExecutorProbe,
    ) -> RouteOutcome {
        if addresses.is_empty() {
            return RouteOutcome::Fail(EMPTY_GROUP.to_string());
        }
        match strategy {
            RouteStrategy::Failover => probe::failover(addresses, probe).await,
            RouteStrategy::Busyover => probe::busyover(job_id, addresses, probe).await,
            _ => self.select(
                strategy,
                job_id,
                addresses,
                Instant::now(),
                &mut rand::rng(),
            ),
        }
    }

    /// The strategies that need no I/O, at a given instant and with a given randomness, so
    /// that tests can drive days and dice. FAILOVER/BUSYOVER fall back to the first address.
    pub fn select(
        &self,
        strategy: RouteStrategy,
        job_id: i32,
        addresses: &[String],
        now: Instant,
        rng: &mut impl Rng,
    ) -> RouteOutcome {
        let picked = match strategy {
            RouteStrategy::First
            | RouteStrategy::ShardingBroadcast
            | RouteStrategy::Failover
            | RouteStrategy::Busyover => position::first(addresses),
            RouteStrategy::Last => position::last(addresses),
            RouteStrategy::Random => position::random(addresses, rng),
            RouteStrategy::ConsistentHash => consistent_hash::pick(job_id, addresses),
            RouteStrategy::Round => lock(&self.round).state(job_id, now).pick(addresses, rng),
            RouteStrategy::LeastFrequentlyUsed => lock(&self.frequency)
                .state(job_id, now)
                .pick(addresses, rng),
            RouteStrategy::LeastRecentlyUsed => {
                lock(&self.recency).state(job_id, now).pick(addresses)
            }
        };
        RouteOutcome::picked(picked)
    }
}

/// Router state is a cache: if a thread panicked while holding it, the state is still
/// usable (at worst one pick is skewed), so a poisoned lock is taken over, not propagated.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
pub(crate) mod test_support {
    /// `n` distinct executor addresses, in order.
    pub fn addresses(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("http://127.0.0.1:{}/", 9000 + i))
            .collect()
    }

    /// How often each address of `list` occurs in `picks`.
    pub fn tally<'a>(list: &[String], picks: impl Iterator<Item = &'a str>) -> Vec<usize> {
        let mut counts = vec![0; list.len()];
        for picked in picks {
            let index = list
                .iter()
                .position(|a| a == picked)
                .expect("picked from the list");
            counts[index] += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::addresses;
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::time::Duration;

    fn pick(
        routers: &Routers,
        strategy: RouteStrategy,
        job: i32,
        list: &[String],
        now: Instant,
    ) -> String {
        let mut rng = StdRng::seed_from_u64(job as u64);
        match routers.select(strategy, job, list, now, &mut rng) {
            RouteOutcome::Address { address, report } => {
                assert_eq!(report, None);
                address
            }
            RouteOutcome::Fail(msg) => panic!("{strategy} failed: {msg}"),
        }
    }

    #[test]
    fn every_strategy_fails_cleanly_on_an_empty_group() {
        let routers = Routers::new();
        let mut rng = StdRng::seed_from_u64(0);
        for strategy in RouteStrategy::ALL {
            let outcome = routers.select(strategy, 1, &[], Instant::now(), &mut rng);
            assert_eq!(
                outcome,
                RouteOutcome::Fail(EMPTY_GROUP.to_string()),
                "{strategy}"
            );
        }
    }

    #[test]
    fn every_strategy_picks_the_only_address() {
        let routers = Routers::new();
        let one = addresses(1);
        for strategy in RouteStrategy::ALL {
            assert_eq!(
                pick(&routers, strategy, 3, &one, Instant::now()),
                one[0],
                "{strategy}"
            );
        }
    }

    #[test]
    fn sharding_broadcast_asked_to_route_answers_the_first_address() {
        let list = addresses(3);
        let routers = Routers::new();
        let picked = pick(
            &routers,
            RouteStrategy::ShardingBroadcast,
            1,
            &list,
            Instant::now(),
        );
        assert_eq!(picked, list[0]);
    }

    #[test]
    fn state_is_per_job() {
        let routers = Routers::new();
        let list = addresses(4);
        let now = Instant::now();
        let lru = |job| pick(&routers, RouteStrategy::LeastRecentlyUsed, job, &list, now);
        // LRU starts at the head for every job, whatever other jobs did.
        for _ in 0..3 {
            lru(1);
        }
        assert_eq!(lru(2), list[0]);
        assert_eq!(lru(1), list[3]);
    }

    #[test]
    fn state_is_forgotten_after_a_day() {
        let routers = Routers::new();
        let list = addresses(3);
        let start = Instant::now();
        let lru = |at| pick(&routers, RouteStrategy::LeastRecentlyUsed, 1, &list, at);
        assert_eq!(lru(start), list[0]);
        assert_eq!(lru(start), list[1]);
        assert_eq!(
            lru(start + per_job::STATE_LIFETIME + Duration::from_secs(1)),
            list[0]
        );
    }

    #[test]
    fn stateful_strategies_drop_addresses_that_vanish() {
        let routers = Routers::new();
        let list = addresses(4);
        let survivors = vec![list[1].clone(), list[3].clone()];
        let now = Instant::now();
        for strategy in [
            RouteStrategy::Round,
            RouteStrategy::LeastFrequentlyUsed,
            RouteStrategy::LeastRecentlyUsed,
        ] {
            for _ in 0..10 {
                pick(&routers, strategy, 9, &list, now);
            }
            for _ in 0..10 {
                let picked = pick(&routers, strategy, 9, &survivors, now);
                assert!(
                    survivors.contains(&picked),
                    "{strategy} picked vanished {picked}"
                );
            }
        }
    }

    #[test]
    fn round_wraps_through_routers() {
        let routers = Routers::new();
        let list = addresses(3);
        let now = Instant::now();
        let picks: Vec<String> = (0..6)
            .map(|_| pick(&routers, RouteStrategy::Round, 4, &list, now))
            .collect();
        assert_eq!(picks[0..3], picks[3..6]);
        let mut distinct = picks[0..3].to_vec();
        distinct.sort();
        assert_eq!(distinct, list);
    }

    #[test]
    fn routers_are_shareable_across_tasks() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Routers>();
    }
}
