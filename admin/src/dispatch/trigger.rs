//! One trigger: from a fire to a recorded executor call (PROTOCOL.md §3.8).
//!
//! A fire arrives claimed, with its job and group (the [`intake`](super::intake) did that
//! for its whole batch). In order: pick the addresses (the group's, or a manual override),
//! fan a SHARDING_BROADCAST job out over every address, route everything else, call the
//! executor, and hand the outcome to the [`Recorder`]. Whatever happens ends in a
//! recorded outcome: a row we claimed is never left `Claimed`, so retry and alarm always
//! see a failure.
//!
//! A scheduled fire more than the misfire tolerance (5 s) late when a worker takes it (the
//! pools were overloaded, or the database was down) is not fired late: it goes back to
//! `Pending`, and the orphan sweeper applies the job's misfire strategy to it.

use std::sync::Arc;

use chrono_tz::Tz;
use futures::future::join_all;
use jobwheel_executor::protocol::{CODE_FAIL, CODE_SUCCESS, TriggerParam, WireResponse};

use super::fire::{Fire, TriggerType, parse_sharding};
use super::intake::Ready;
use super::recorder::Recorder;
use super::route::{RouteOutcome, RouteStrategy, Routers};
use super::trigger_msg::{ADDRESS_EMPTY, TriggerReport, run_result_msg};
use super::{ExecutorClient, Target};
use crate::app::AppState;
use crate::error::Result;
use crate::observe::series::{self, FireResult};
use crate::schedule::misfire::MISFIRE_THRESHOLD_MS;
use crate::store::{
    FireState, JobDispatch, JobGroup, NewLog, Store, TriggerRecord, split_addresses,
};
use crate::time::{from_naive, now_ms, to_naive};

/// Turns fires into executor calls and log rows. Shared by every pool worker.
pub struct Trigger {
    store: Arc<dyn Store>,
    recorder: Arc<Recorder>,
    client: ExecutorClient,
    routers: Arc<Routers>,
    tz: Tz,
    admin_address: String,
}

/// One shard of a trigger: its log row and its place in the broadcast.
#[derive(Debug, Clone, Copy)]
struct Shard {
    log_id: i64,
    index: usize,
    total: usize,
    /// True for SHARDING_BROADCAST: the address is `addresses[index]` and the row records
    /// "i/n".
    broadcast: bool,
}

/// What a fire resolved to with its job and group.
struct Resolved<'a> {
    fire: &'a Fire,
    job: &'a JobDispatch,
    group: &'a JobGroup,
    addresses: Vec<String>,
    manual_registry: bool,
    strategy: Option<RouteStrategy>,
    executor_param: Option<String>,
}

impl Trigger {
    /// A trigger over the admin's store, calling executors with `client` and handing
    /// outcomes to `recorder`.
    pub fn new(
        state: &AppState,
        client: ExecutorClient,
        routers: Arc<Routers>,
        recorder: Arc<Recorder>,
    ) -> Self {
        Self {
            store: state.store.clone(),
            recorder,
            client,
            routers,
            tz: state.tz,
            admin_address: admin_address(state),
        }
    }

    /// Fires a claimed fire. Never fails: whatever goes wrong is recorded as a failed
    /// trigger on the fire's row.
    pub async fn fire(&self, ready: Ready) {
        let Ready { fire, job, group } = ready;
        if too_late(&fire) {
            hand_back(self.store.as_ref(), &fire).await;
            return;
        }
        let resolved = Resolved::new(&fire, &job, &group);
        match self.shards(&resolved).await {
            Ok(shards) => {
                join_all(
                    shards
                        .into_iter()
                        .map(|shard| self.trigger_shard(&resolved, shard)),
                )
                .await;
            }
            Err(e) => {
                tracing::error!(log_id = fire.log_id, job_id = fire.job_id, error = %e, "trigger failed");
                self.recorder.record_failure(
                    &fire,
                    &format!("Trigger Fail：{e}"),
                    FireResult::Failed,
                );
            }
        }
    }

    /// The shards to trigger. A broadcast fire without an explicit shard fans out: its own
    /// row becomes shard 0 and each other address gets a new row, inserted `Claimed` (it is
    /// ours already) with the same `fire_at`, so all shards share `logDateTime`.
    async fn shards(&self, r: &Resolved<'_>) -> Result<Vec<Shard>> {
        let broadcast = r.strategy == Some(RouteStrategy::ShardingBroadcast);
        if let Some((index, total)) = r.fire.sharding_param.as_deref().and_then(parse_sharding) {
            return Ok(vec![Shard {
                log_id: r.fire.log_id,
                index,
                total,
                broadcast,
            }]);
        }
        if !broadcast || r.addresses.is_empty() {
            return Ok(vec![Shard {
                log_id: r.fire.log_id,
                index: 0,
                total: 1,
                broadcast,
            }]);
        }
        let total = r.addresses.len();
        let mut shards = vec![Shard {
            log_id: r.fire.log_id,
            index: 0,
            total,
            broadcast,
        }];
        for index in 1..total {
            let log = NewLog {
                job_group: r.job.job_group,
                job_id: r.job.id,
                trigger_time: to_naive(r.fire.fire_at, self.tz),
                fire_at: r.fire.fire_at,
                fire_state: FireState::Claimed,
                trigger_type: r.fire.trigger_type.as_str().to_string(),
                executor_fail_retry_count: r.fire.fail_retry_count,
                executor_param: r.fire.executor_param.clone(),
                executor_sharding_param: Some(format!("{index}/{total}")),
            };
            let log_id = self.store.insert_log(&log).await?;
            shards.push(Shard {
                log_id,
                index,
                total,
                broadcast,
            });
        }
        Ok(shards)
    }

    /// Routes one shard, calls its executor and records the outcome.
    async fn trigger_shard(&self, r: &Resolved<'_>, shard: Shard) {
        let param = self.trigger_param(r, shard);
        let (address, route_msg, result_code, result_msg) = if r.addresses.is_empty() {
            (None, None, CODE_FAIL, Some(ADDRESS_EMPTY.to_string()))
        } else {
            match self.address(r, shard).await {
                RouteOutcome::Address { address, report } => {
                    let reply = self.call(r, &address, &param).await;
                    let msg = run_result_msg(&address, &reply);
                    (Some(address), report, reply.code, Some(msg))
                }
                RouteOutcome::Fail(msg) => (None, Some(msg), CODE_FAIL, None),
            }
        };
        let result = if result_code == CODE_SUCCESS {
            FireResult::Success
        } else {
            FireResult::Failed
        };
        series::fire_settled(r.fire.trigger_type, result);
        let sharding = shard
            .broadcast
            .then(|| format!("{}/{}", shard.index, shard.total));
        let route_title = match r.strategy {
            Some(strategy) => strategy.title().to_string(),
            None => r.job.executor_route_strategy.clone().unwrap_or_default(),
        };
        let trigger_msg = TriggerReport {
            trigger_type: r.fire.trigger_type,
            admin_address: &self.admin_address,
            manual_registry: r.manual_registry,
            addresses: &r.addresses,
            route_title: &route_title,
            sharding: sharding.as_deref(),
            block_strategy: r.job.executor_block_strategy.as_deref(),
            timeout: r.job.executor_timeout,
            fail_retry_count: r.fire.fail_retry_count,
            route_msg: route_msg.as_deref(),
            result_msg: result_msg.as_deref(),
        }
        .render();
        let record = TriggerRecord {
            trigger_code: result_code,
            trigger_msg,
            executor_address: address,
            executor_handler: r.job.executor_handler.clone(),
            executor_param: r.executor_param.clone(),
            executor_sharding_param: sharding,
            executor_fail_retry_count: r.fire.fail_retry_count,
        };
        self.recorder.record(shard.log_id, record);
    }

    /// A broadcast shard goes to `addresses[index]` (or the first address when the group
    /// shrank since the shard was numbered); everything else asks the router.
    async fn address(&self, r: &Resolved<'_>, shard: Shard) -> RouteOutcome {
        if shard.broadcast {
            let address = r.addresses.get(shard.index).unwrap_or(&r.addresses[0]);
            return RouteOutcome::Address {
                address: address.clone(),
                report: None,
            };
        }
        let Some(strategy) = r.strategy else {
            return RouteOutcome::Fail(format!(
                "Trigger Fail：unknown route strategy `{}`",
                r.job.executor_route_strategy.as_deref().unwrap_or_default()
            ));
        };
        let probe = self
            .client
            .probe(&r.group.app_name, r.group.access_token.as_deref());
        self.routers
            .route(strategy, r.job.id, &r.addresses, &probe)
            .await
    }

    async fn call(
        &self,
        r: &Resolved<'_>,
        address: &str,
        param: &TriggerParam,
    ) -> WireResponse<serde_json::Value> {
        let target = Target {
            address,
            app_name: &r.group.app_name,
            access_token: r.group.access_token.as_deref(),
            protocol: r.group.protocol,
        };
        let started = std::time::Instant::now();
        let reply = self.client.run(&target, param).await;
        series::executor_called(started.elapsed(), reply.is_success());
        reply
    }

    fn trigger_param(&self, r: &Resolved<'_>, shard: Shard) -> TriggerParam {
        let job = &r.job;
        TriggerParam {
            job_id: job.id,
            executor_handler: job.executor_handler.clone(),
            executor_params: r.executor_param.clone(),
            executor_block_strategy: job.executor_block_strategy.clone(),
            executor_timeout: job.executor_timeout,
            log_id: shard.log_id,
            log_date_time: r.fire.fire_at,
            glue_type: Some(job.glue_type.clone()),
            glue_source: job.glue_source.clone(),
            glue_updatetime: job
                .glue_updatetime
                .map(|t| from_naive(t, self.tz))
                .unwrap_or_default(),
            broadcast_index: i32::try_from(shard.index).unwrap_or(i32::MAX),
            broadcast_total: i32::try_from(shard.total).unwrap_or(i32::MAX),
        }
    }
}

impl<'a> Resolved<'a> {
    fn new(fire: &'a Fire, job: &'a JobDispatch, group: &'a JobGroup) -> Self {
        let overridden = split_addresses(fire.address_list.as_deref());
        let (addresses, manual_registry) = if overridden.is_empty() {
            let manual = group.address_type == crate::store::AddressType::Manual;
            (group.addresses(), manual)
        } else {
            (overridden, true)
        };
        let strategy = job
            .executor_route_strategy
            .as_deref()
            .and_then(RouteStrategy::parse);
        let executor_param = fire
            .executor_param
            .clone()
            .or_else(|| job.executor_param.clone());
        Self {
            fire,
            job,
            group,
            addresses,
            manual_registry,
            strategy,
            executor_param,
        }
    }
}

/// True for a scheduled fire (an intent, not a compensation) more than the misfire tolerance
/// past its time: it is not fired late but left to its job's misfire strategy, which the
/// orphan sweeper applies (after a database outage, or when fires waited in busy pools).
pub(crate) fn too_late(fire: &Fire) -> bool {
    fire.needs_claim
        && fire.trigger_type != TriggerType::Misfire
        && now_ms() - fire.fire_at > MISFIRE_THRESHOLD_MS
}

/// Moves a claimed fire that turned out [`too_late`] back to `Pending` for the orphan
/// sweeper's misfire handling. If even that fails, the stuck-claim sweep closes it later.
pub(crate) async fn hand_back(store: &dyn Store, fire: &Fire) {
    match store.release_fire(fire.log_id).await {
        Ok(_) => tracing::info!(
            log_id = fire.log_id,
            job_id = fire.job_id,
            "fire found too late; handed back to its misfire strategy"
        ),
        Err(e) => tracing::warn!(
            log_id = fire.log_id,
            error = %e,
            "cannot hand back a late fire; the stuck-claim sweep will close it"
        ),
    }
}

/// How this admin names itself in trigger messages: the host name when known, else the
/// listen address.
fn admin_address(state: &AppState) -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .map(|host| format!("{host}:{}", state.config.listen.port()))
        .unwrap_or_else(|| state.config.listen.to_string())
}
