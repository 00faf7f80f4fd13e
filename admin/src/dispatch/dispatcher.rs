//! The dispatcher: the one door to the dispatch pools, for scheduled fires (from the time
//! wheel) and for every other way a job is triggered (console, REST API, retry, child job).
//!
//! A fire goes `submit` → [`intake`](super::intake) (claims and loads a batch at once) →
//! [`gate`](super::gate) (holds it until its instant) → the fast or the slow pool (a job whose triggers keep taking more than 500 ms goes to the
//! slow one, so it cannot starve the others) → a worker calls the executor →
//! [`recorder`](super::recorder) (writes a batch of outcomes at once). [`Dispatcher::submit`]
//! never waits. A full pool does not drop the fire: it is written as a failed trigger (code
//! 500) so retry and alarm see it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono_tz::Tz;
use foldhash::HashSet;
use jobwheel_executor::protocol::CODE_FAIL;

use super::ExecutorClient;
use super::fire::{Fire, TriggerType};
use super::gate::Gate;
use super::intake::{Intake, Ready};
use super::pool::{Handler, Pools, SlowJobs};
use super::recorder::Recorder;
use super::route::{RouteStrategy, Routers};
use super::stage::Stage;
use super::trigger::Trigger;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::observe::series::FireResult;
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
    queued: Arc<QueuedIntents>,
    recorder: Arc<Recorder>,
    pools: Arc<Pools<Ready>>,
    intake: Stage<Fire>,
    gate: Arc<Stage<Ready>>,
}

impl Dispatcher {
    /// Starts the pools as configured (`fast_pool_size`, `slow_pool_size`,
    /// `pool_queue_size`), calling executors with the configured token and timeout.
    pub fn start(state: &AppState) -> Result<Self> {
        let client = ExecutorClient::from_config(&state.config)?;
        Ok(Self::with_client(state, client, Arc::new(Routers::new())))
    }

    /// Starts the intake, the pools and the recorder with a given executor client and
    /// routing state.
    pub fn with_client(state: &AppState, client: ExecutorClient, routers: Arc<Routers>) -> Self {
        let in_flight = state.in_flight.clone();
        let recorder = Arc::new(Recorder::start(state.store.clone(), in_flight.clone()));
        let trigger = Arc::new(Trigger::new(state, client, routers, recorder.clone()));
        let slow_jobs = Arc::new(SlowJobs::default());
        let handler: Handler<Ready> = {
            let slow_jobs = slow_jobs.clone();
            let in_flight = in_flight.clone();
            Arc::new(move |ready: Ready| {
                let trigger = trigger.clone();
                let slow_jobs = slow_jobs.clone();
                let in_flight = in_flight.clone();
                Box::pin(async move {
                    crate::observe::series::fire_started(ready.fire.fire_at);
                    let job_id = ready.fire.job_id;
                    let started = Instant::now();
                    trigger.fire(ready).await;
                    in_flight.finish();
                    slow_jobs.record(job_id, started.elapsed(), now_ms());
                })
            })
        };
        let config = &state.config;
        let pools = Arc::new(Pools::start(
            (
                config.fast_pool_size,
                config.slow_pool_size,
                config.pool_queue_size,
            ),
            slow_jobs,
            handler,
        ));
        let gate = Gate {
            pools: pools.clone(),
            recorder: recorder.clone(),
            in_flight,
        };
        let gate = Arc::new(Stage::spawn("gate", |receiver| gate.run(receiver)));
        let queued = Arc::new(QueuedIntents::default());
        let intake = Intake {
            store: state.store.clone(),
            gate: gate.clone(),
            recorder: recorder.clone(),
            queued: queued.clone(),
        };
        let intake = Stage::spawn("intake", |receiver| intake.run(receiver));
        Self {
            inner: Arc::new(Inner {
                store: state.store.clone(),
                tz: state.tz,
                queued,
                recorder,
                pools,
                intake,
                gate,
            }),
        }
    }

    /// Hands `fire` to the intake without waiting. Refused fires are recorded, never lost:
    /// a full pool writes a failed trigger; after shutdown began a scheduled intent stays
    /// `Pending` for the next admin and a manual fire is failed.
    pub fn submit(&self, fire: Fire) {
        let inner = &self.inner;
        if fire.needs_claim {
            inner.queued.insert(fire.log_id);
        }
        let Err(fire) = inner.intake.send(fire) else {
            return;
        };
        if fire.needs_claim {
            inner.queued.remove(fire.log_id);
            tracing::info!(
                log_id = fire.log_id,
                "admin shutting down; fire left pending"
            );
            return;
        }
        let reason = "Trigger Fail：the admin is shutting down";
        tracing::warn!(log_id = fire.log_id, job_id = fire.job_id, code = CODE_FAIL, %reason, "fire refused");
        inner
            .recorder
            .record_failure(&fire, reason, FireResult::Refused);
    }

    /// True when the intent `log_id` waits in this admin's intake (the orphan sweeper
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

    /// Stops taking fires, lets the intake pass on what it holds, the gate release what
    /// waits there at its instant and both pools finish theirs, then writes every outcome,
    /// each step within `within`. Returns false when a step had to be cut short.
    pub async fn drain(&self, within: Duration) -> bool {
        let inner = &self.inner;
        let intake_done = inner.intake.close(within).await;
        let gate_done = inner.gate.close(within).await;
        let pools_done = inner.pools.drain(within).await;
        let recorded = inner.recorder.flush(within).await;
        intake_done && gate_done && pools_done && recorded
    }

    /// Stops at once, aborting fires in flight (see [`Scheduler::abort`]).
    ///
    /// [`Scheduler::abort`]: crate::schedule::scheduler::Scheduler::abort
    pub async fn abort(&self) {
        let inner = &self.inner;
        inner.intake.abort();
        inner.gate.abort();
        inner.pools.abort().await;
        inner.recorder.abort();
    }
}

/// Log ids of intents submitted and not yet claimed.
#[derive(Debug, Default)]
pub(super) struct QueuedIntents(Mutex<HashSet<i64>>);

impl QueuedIntents {
    pub(super) fn insert(&self, log_id: i64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(log_id);
    }

    pub(super) fn remove(&self, log_id: i64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&log_id);
    }

    pub(super) fn contains(&self, log_id: i64) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&log_id)
    }
}
