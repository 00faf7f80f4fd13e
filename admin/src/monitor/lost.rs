//! The lost-result monitor (PROTOCOL.md §6.4): a run whose trigger was accepted but whose
//! result never came is closed as failed once its executor is gone, so retry and alarm see
//! it instead of it "running" forever.
//!
//! A log is lost when it has waited [`DEFAULT_THRESHOLD`] (10 min) for its result and its
//! executor is no longer alive. "Alive" is decided in two ways:
//! * an executor that registers (auto groups): its address has a registry row that beat
//!   within the last 90 s (compared without trailing `/`, so `http://h:9999` and
//!   `http://h:9999/` are one executor);
//! * an executor typed into a **manual** group never registers, and XXL-JOB marks every
//!   run on it lost after 10 minutes (its issue #2347). Here an address still listed in the
//!   log's manual group is asked `/beat`; only if it does not answer is the run lost.
//!   This costs one beat per long-running manual run per pass, and keeps long jobs on
//!   manual executors alive.
//!
//! The log is closed through [`crate::service::lifecycle::complete_run`] (500, "Job result
//! lost, marked as failure"), which only writes a log still without a result; the fail
//! monitor then retries and alarms it.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use jobwheel_executor::protocol::{CODE_FAIL, CODE_SUCCESS};
use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::dispatch::{ExecutorClient, Target};
use crate::error::Result;
use crate::service::lifecycle::{self, Completion};
use crate::store::{AddressType, JobGroup, JobLog};
use crate::time::{now_ms, to_naive};

/// XXL-JOB's period.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(60);
/// How long a run may wait for its result before its executor is checked.
pub const DEFAULT_THRESHOLD: Duration = Duration::from_secs(600);
/// An executor whose last beat is older than this is dead (PROTOCOL.md §2.5).
pub const DEAD_AFTER: Duration = Duration::from_secs(90);
/// The message of a lost run (XXL-JOB's `joblog_lost_fail`).
pub const LOST_MSG: &str = "Job result lost, marked as failure";
/// Logs read per query.
const PAGE: i64 = 1000;

/// The loop; build it with [`LostMonitor::new`], start it with [`LostMonitor::run`].
pub struct LostMonitor {
    state: AppState,
    client: ExecutorClient,
    period: Duration,
    threshold: Duration,
}

impl LostMonitor {
    /// A monitor with XXL-JOB's period and threshold.
    pub fn new(state: AppState) -> Result<Self> {
        let client = ExecutorClient::from_config(&state.config)?;
        Ok(Self {
            state,
            client,
            period: DEFAULT_PERIOD,
            threshold: DEFAULT_THRESHOLD,
        })
    }

    /// The same, ticking every `period` (tests use milliseconds).
    pub fn with_period(mut self, period: Duration) -> Self {
        self.period = period;
        self
    }

    /// The same, calling a run lost after `threshold` without a result.
    pub fn with_threshold(mut self, threshold: Duration) -> Self {
        self.threshold = threshold;
        self
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) {
        let period = self.period;
        super::ticker::every("lost", period, shutdown, || async {
            self.pass().await.map(|_| ())
        })
        .await;
    }

    /// One pass; returns the ids of the logs it closed as lost.
    pub async fn pass(&self) -> Result<Vec<i64>> {
        let tz = self.state.tz;
        let store = &self.state.store;
        let waited_since = to_naive(now_ms() - millis(self.threshold), tz);
        let alive_since = to_naive(now_ms() - millis(DEAD_AFTER), tz);
        let registered: HashSet<String> = store
            .registry_alive(alive_since)
            .await?
            .iter()
            .map(|row| normalize(&row.registry_value))
            .collect();
        let mut groups: HashMap<i32, Option<JobGroup>> = HashMap::new();
        let mut lost = Vec::new();
        let mut after_id = 0;
        loop {
            let logs = store
                .running_logs_before(waited_since, after_id, PAGE)
                .await?;
            let Some(last) = logs.last() else { break };
            after_id = last.id;
            for log in logs {
                if self.is_alive(&log, &registered, &mut groups).await? {
                    continue;
                }
                tracing::warn!(log_id = log.id, executor = ?log.executor_address, "run lost: no result and its executor is gone");
                let done =
                    lifecycle::complete_run(&self.state, log.id, CODE_FAIL, Some(LOST_MSG)).await?;
                if done == Completion::Completed {
                    lost.push(log.id);
                }
            }
        }
        Ok(lost)
    }

    /// Whether the executor of `log` is still there (see the module docs).
    async fn is_alive(
        &self,
        log: &JobLog,
        registered: &HashSet<String>,
        groups: &mut HashMap<i32, Option<JobGroup>>,
    ) -> Result<bool> {
        let Some(address) = log
            .executor_address
            .as_deref()
            .filter(|a| !a.trim().is_empty())
        else {
            return Ok(false);
        };
        if registered.contains(&normalize(address)) {
            return Ok(true);
        }
        let group = match groups.entry(log.job_group) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(self.state.store.get_group(log.job_group).await?),
        };
        let Some(group) = group.as_ref() else {
            return Ok(false);
        };
        let listed = group.address_type == AddressType::Manual
            && group
                .addresses()
                .iter()
                .any(|a| normalize(a) == normalize(address));
        if !listed {
            return Ok(false);
        }
        let target = Target {
            address,
            app_name: &group.app_name,
            access_token: group.access_token.as_deref(),
            protocol: group.protocol,
        };
        Ok(self.client.beat(&target).await.code == CODE_SUCCESS)
    }
}

/// An executor address without its trailing `/`.
fn normalize(address: &str) -> String {
    address.trim().trim_end_matches('/').to_string()
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
