//! The dispatcher: the one door to the dispatch pools, for scheduled fires (from the time
//! wheel) and for every other way a job is triggered (console, REST API, retry, child job).
//!
//! [`Dispatcher::submit`] never waits: it picks the fast or the slow pool (a job whose
//! triggers keep taking more than 500 ms goes to the slow one, so it cannot starve the
//! others) and queues the fire. A full pool does not drop the fire: it is written as a failed
//! trigger (code 500) so retry and alarm see it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono_tz::Tz;
use jobwheel_executor::protocol::CODE_FAIL;

use super::ExecutorClient;
use super::fire::{Fire, TriggerType};
use super::pool::{Handler, Pool, Refused, SlowJobs};
use super::route::{RouteStrategy, Routers};
use super::trigger::Trigger;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::store::{FireState, NewLog, Store, split_addresses};
use crate::time::{now_ms, to_naive};

/// A trigger asked for by a person or a program rather than by the schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerRequest {
    /// The job.
    pub job_id: i32,
    /// MANUAL, API, RETRY or PARENT (CRON and MISFIRE come from the scan).
    pub trigger_type: TriggerType,
    /// Parameter for this run only; `None` uses the job's.
    pub executor_param: Option<String>,
    /// Comma-separated executor addresses for this run only; `None` uses the group's.
    pub address_list: Option<String>,
    /// Retries left after this run; `None` (or negative) uses the job's setting.
    pub fail_retry_count: Option<i32>,
    /// "i/n": run only this shard of a SHARDING_BROADCAST job (retry of one shard).
    pub sharding_param: Option<String>,
}

impl TriggerRequest {
    /// A plain trigger of `job_id` with the job's own settings.
    pub fn new(job_id: i32, trigger_type: TriggerType) -> Self {
        Self {
            job_id,
            trigger_type,
            executor_param: None,
            address_list: None,
            fail_retry_count: None,
            sharding_param: None,
        }
    }
}

/// Hands fires to the fast/slow pools. Clones share the pools; dropping the last clone
/// aborts the triggers in flight (their rows stay `Pending` or `Claimed` for the sweeper),
/// so stop with [`Dispatcher::drain`] first.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    tz: Tz,
    trigger: Arc<Trigger>,
    slow_jobs: Arc<SlowJobs>,
    queued: Arc<QueuedIntents>,
    fast: Pool<Fire>,
    slow: Pool<Fire>,
}

impl Dispatcher {
    /// Starts the pools as configured (`fast_pool_size`, `slow_pool_size`,
    /// `pool_queue_size`), calling executors with the configured token and timeout.
    pub fn start(state: &AppState) -> Result<Self> {
        let client = ExecutorClient::from_config(&state.config)?;
        Ok(Self::with_client(state, client, Arc::new(Routers::new())))
    }

    /// Starts the pools with a given executor client and routing state.
    pub fn with_client(state: &AppState, client: ExecutorClient, routers: Arc<Routers>) -> Self {
        let trigger = Arc::new(Trigger::new(state, client, routers));
        let slow_jobs = Arc::new(SlowJobs::default());
        let queued = Arc::new(QueuedIntents::default());
        let handler: Handler<Fire> = {
            let trigger = trigger.clone();
            let slow_jobs = slow_jobs.clone();
            let queued = queued.clone();
            Arc::new(move |fire: Fire| {
                let trigger = trigger.clone();
                let slow_jobs = slow_jobs.clone();
                let queued = queued.clone();
                Box::pin(async move {
                    queued.remove(fire.log_id);
                    crate::observe::series::fire_started(fire.fire_at);
                    let job_id = fire.job_id;
                    let started = Instant::now();
                    trigger.fire(fire).await;
                    slow_jobs.record(job_id, started.elapsed(), now_ms());
                })
            })
        };
        let config = &state.config;
        let fast = Pool::start(
            "fast",
            config.fast_pool_size,
            config.pool_queue_size,
            handler.clone(),
        );
        let slow = Pool::start(
            "slow",
            config.slow_pool_size,
            config.pool_queue_size,
            handler,
        );
        Self {
            inner: Arc::new(Inner {
                store: state.store.clone(),
                tz: state.tz,
                trigger,
                slow_jobs,
                queued,
                fast,
                slow,
            }),
        }
    }

    /// Queues `fire` on its pool without waiting. Refused fires are recorded, never lost:
    /// a full pool writes a failed trigger; a closed pool (shutdown) leaves a scheduled
    /// intent `Pending` for the next admin and fails a manual one.
    pub fn submit(&self, fire: Fire) {
        let inner = &self.inner;
        let pool = if inner.slow_jobs.is_slow(fire.job_id, now_ms()) {
            &inner.slow
        } else {
            &inner.fast
        };
        let intent = fire.needs_claim.then_some(fire.log_id);
        if let Some(log_id) = intent {
            inner.queued.insert(log_id);
        }
        let refused = pool.try_submit(fire);
        if let (Some(log_id), Err(_)) = (intent, &refused) {
            inner.queued.remove(log_id);
        }
        let (fire, reason) = match refused {
            Ok(()) => return,
            Err(Refused::Full(fire)) => {
                let reason = format!(
                    "Trigger Fail：the {} dispatch pool is full; this fire was not sent to an executor",
                    pool.name()
                );
                (fire, reason)
            }
            Err(Refused::Closed(fire)) if fire.needs_claim => {
                tracing::info!(
                    log_id = fire.log_id,
                    "admin shutting down; fire left pending"
                );
                return;
            }
            Err(Refused::Closed(fire)) => {
                (fire, "Trigger Fail：the admin is shutting down".to_string())
            }
        };
        tracing::warn!(log_id = fire.log_id, job_id = fire.job_id, code = CODE_FAIL, %reason, "fire refused");
        let trigger = inner.trigger.clone();
        tokio::spawn(async move { trigger.refuse(fire, &reason).await });
    }

    /// True when the intent `log_id` waits in one of this admin's pools (the orphan sweeper
    /// leaves it alone: it is late because the pools are busy, not because its admin died).
    pub fn holds(&self, log_id: i64) -> bool {
        self.inner.queued.contains(log_id)
    }

    /// Triggers a job now, outside its schedule: inserts its log rows (already claimed:
    /// nobody else may fire them) and queues them. A SHARDING_BROADCAST job without an
    /// explicit shard gets one row per executor address. Returns the new log ids.
    pub async fn trigger(&self, request: TriggerRequest) -> Result<Vec<i64>> {
        let inner = &self.inner;
        let job = inner
            .store
            .get_job(request.job_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("job {}", request.job_id)))?;
        let shards = self
            .manual_shards(
                &request,
                job.job_group,
                job.executor_route_strategy.as_deref(),
            )
            .await?;
        let fail_retry_count = request
            .fail_retry_count
            .filter(|count| *count >= 0)
            .unwrap_or(job.executor_fail_retry_count);
        let fire_at = now_ms();
        let mut fires = Vec::with_capacity(shards.len());
        for sharding_param in shards {
            let log = NewLog {
                job_group: job.job_group,
                job_id: job.id,
                trigger_time: to_naive(fire_at, inner.tz),
                fire_at,
                fire_state: FireState::Claimed,
                trigger_type: request.trigger_type.as_str().to_string(),
                executor_fail_retry_count: fail_retry_count,
                executor_param: request.executor_param.clone(),
                executor_sharding_param: sharding_param.clone(),
            };
            let log_id = inner.store.insert_log(&log).await?;
            fires.push(Fire {
                log_id,
                job_id: job.id,
                fire_at,
                trigger_type: request.trigger_type,
                needs_claim: false,
                fail_retry_count,
                executor_param: request.executor_param.clone(),
                sharding_param,
                address_list: request.address_list.clone(),
            });
        }
        let ids = fires.iter().map(|f| f.log_id).collect();
        for fire in fires {
            self.submit(fire);
        }
        Ok(ids)
    }

    /// The sharding parameter of each row a manual trigger writes: the requested one, or
    /// "i/n" for every current address of a broadcast job, or a single unsharded row.
    async fn manual_shards(
        &self,
        request: &TriggerRequest,
        group_id: i32,
        route: Option<&str>,
    ) -> Result<Vec<Option<String>>> {
        let broadcast =
            route.and_then(RouteStrategy::parse) == Some(RouteStrategy::ShardingBroadcast);
        if request.sharding_param.is_some() || !broadcast {
            return Ok(vec![request.sharding_param.clone()]);
        }
        let mut addresses = split_addresses(request.address_list.as_deref());
        if addresses.is_empty()
            && let Some(group) = self.inner.store.get_group(group_id).await?
        {
            addresses = group.addresses();
        }
        let total = addresses.len();
        if total == 0 {
            // One row, which the trigger fails with "registry address is empty".
            return Ok(vec![None]);
        }
        Ok((0..total).map(|i| Some(format!("{i}/{total}"))).collect())
    }

    /// Stops taking fires and lets both pools finish what they hold, within `within`.
    /// Returns false when workers had to be aborted.
    pub async fn drain(&self, within: Duration) -> bool {
        let (fast, slow) =
            tokio::join!(self.inner.fast.drain(within), self.inner.slow.drain(within));
        fast && slow
    }

    /// Stops both pools at once, aborting fires in flight (see [`Scheduler::abort`]).
    ///
    /// [`Scheduler::abort`]: crate::schedule::scheduler::Scheduler::abort
    pub async fn abort(&self) {
        tokio::join!(self.inner.fast.abort(), self.inner.slow.abort());
    }
}

/// Log ids of intents waiting in the pools, not yet claimed.
#[derive(Debug, Default)]
struct QueuedIntents(Mutex<HashSet<i64>>);

impl QueuedIntents {
    fn insert(&self, log_id: i64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(log_id);
    }

    fn remove(&self, log_id: i64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&log_id);
    }

    fn contains(&self, log_id: i64) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&log_id)
    }
}
