//! The intake: where every fire enters dispatch, a batch at a time.
//!
//! Why: a fire used to reach its executor only after three database round trips of its
//! own — claim the intent (a conditional write and a commit), read the job, read the group
//! — made one after another by each pool worker. With a second's fires released together
//! by the wheel, that was hundreds of commits queued behind one another before the last
//! executor was called (BENCHMARKS.md: p99 lateness of seconds on MariaDB). The intake
//! takes whatever fires have arrived since its last pass, claims the scheduled ones in one
//! transaction, reads their jobs and groups with one query each, and hands the ready fires
//! to the [`gate`](super::gate), which holds them until their instant (the wheel releases
//! scheduled fires [`CLAIM_AHEAD`](super::gate::CLAIM_AHEAD) early, so that all this is
//! done before the fire is due) and then passes them to the pools, whose workers only
//! route and call.
//!
//! Nothing is lost on the way: an intent it cannot claim (database error) stays `Pending`
//! for the orphan sweeper, and so does one already past the misfire tolerance (the sweeper
//! applies the job's misfire strategy); a claimed fire that cannot go on (job or group gone, pool full,
//! shutting down) is recorded as a failed trigger, which retry and alarm see.

use std::sync::Arc;

use foldhash::{HashMap, HashSet, HashSetExt};
use tokio::sync::mpsc;

use super::fire::Fire;
use super::recorder::Recorder;
use super::stage::Stage;
use super::trigger::{hand_back, too_late};
use crate::error::Result;
use crate::observe::series::FireResult;
use crate::store::{JobDispatch, JobGroup, Store};

/// Most fires claimed and loaded in one pass.
const MAX_BATCH: usize = 1000;

/// A claimed fire with its job and group, ready for a pool worker.
#[derive(Debug, Clone)]
pub struct Ready {
    /// The fire.
    pub fire: Fire,
    /// Its job, read at intake (shared by the fires of one job in a batch).
    pub job: Arc<JobDispatch>,
    /// The job's executor group, read at intake.
    pub group: Arc<JobGroup>,
}

/// The intake task's state.
pub(super) struct Intake {
    pub store: Arc<dyn Store>,
    /// Where ready fires wait for their instant.
    pub gate: Arc<Stage<Ready>>,
    pub recorder: Arc<Recorder>,
    /// Intents submitted but not yet claimed (see `Dispatcher::holds`).
    pub queued: Arc<super::dispatcher::QueuedIntents>,
}

impl Intake {
    /// Admits fires until every sender is gone.
    pub async fn run(self, mut receiver: mpsc::UnboundedReceiver<Fire>) {
        let mut batch = Vec::new();
        while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
            self.admit(std::mem::take(&mut batch)).await;
        }
    }

    /// Claims, loads and queues one batch.
    async fn admit(&self, fires: Vec<Fire>) {
        let fires = self.claim(fires).await;
        if fires.is_empty() {
            return;
        }
        let (jobs, groups) = match self.load(&fires).await {
            Ok(loaded) => loaded,
            Err(e) => {
                tracing::error!(error = %e, fires = fires.len(), "cannot read the jobs of claimed fires");
                for fire in &fires {
                    self.recorder.record_failure(
                        fire,
                        &format!("Trigger Fail：{e}"),
                        FireResult::Failed,
                    );
                }
                return;
            }
        };
        for fire in fires {
            let Some(job) = jobs.get(&fire.job_id).cloned() else {
                let msg = format!("Trigger Fail：job {} no longer exists", fire.job_id);
                self.recorder
                    .record_failure(&fire, &msg, FireResult::Failed);
                continue;
            };
            let Some(group) = groups.get(&job.job_group).cloned() else {
                let msg = format!(
                    "Trigger Fail：executor group {} does not exist",
                    job.job_group
                );
                self.recorder
                    .record_failure(&fire, &msg, FireResult::Failed);
                continue;
            };
            if let Err(ready) = self.gate.send(Ready { fire, job, group }) {
                // Only when aborted mid-batch: the gate closes after the intake ends.
                let reason = "Trigger Fail：the admin is shutting down";
                self.recorder
                    .record_failure(&ready.fire, reason, FireResult::Refused);
            }
        }
    }

    /// Claims the batch's scheduled intents; returns the fires that are ours (manual fires
    /// always are). An intent another admin claimed first is dropped here.
    async fn claim(&self, fires: Vec<Fire>) -> Vec<Fire> {
        // An intent already too late is not claimed: it stays `Pending` for the sweeper's
        // misfire handling (see `trigger::too_late`).
        let (late, fires): (Vec<Fire>, Vec<Fire>) = fires.into_iter().partition(too_late);
        for fire in &late {
            self.queued.remove(fire.log_id);
            tracing::info!(
                log_id = fire.log_id,
                job_id = fire.job_id,
                "fire found too late; left pending for its misfire strategy"
            );
        }
        let intents: Vec<i64> = fires
            .iter()
            .filter(|f| f.needs_claim)
            .map(|f| f.log_id)
            .collect();
        if intents.is_empty() {
            return fires;
        }
        let won = self.store.claim_fires(&intents).await;
        // Claimed or not, these are no longer waiting here: a claimed row is no orphan,
        // and an unclaimed one is the sweeper's to retry.
        for log_id in &intents {
            self.queued.remove(*log_id);
        }
        let won: HashSet<i64> = match won {
            Ok(won) => won.into_iter().collect(),
            Err(e) => {
                tracing::warn!(error = %e, intents = intents.len(), "cannot claim fires; the orphan sweeper will retry them");
                HashSet::new()
            }
        };
        if won.len() < intents.len() {
            tracing::debug!(
                lost = intents.len() - won.len(),
                "fires claimed by another admin (or not claimable)"
            );
        }
        let mut ours = Vec::with_capacity(fires.len());
        for fire in fires {
            if fire.needs_claim && !won.contains(&fire.log_id) {
                continue;
            }
            // The claim itself may have waited for an unreachable database.
            if too_late(&fire) {
                hand_back(self.store.as_ref(), &fire).await;
                continue;
            }
            ours.push(fire);
        }
        ours
    }

    /// The jobs of `fires` and their groups, by id.
    async fn load(&self, fires: &[Fire]) -> Result<(Jobs, Groups)> {
        let job_ids = distinct(fires.iter().map(|f| f.job_id));
        let jobs: Jobs = self
            .store
            .jobs_to_dispatch(&job_ids)
            .await?
            .into_iter()
            .map(|job| (job.id, Arc::new(job)))
            .collect();
        let group_ids = distinct(jobs.values().map(|job| job.job_group));
        let groups: Groups = self
            .store
            .get_groups(&group_ids)
            .await?
            .into_iter()
            .map(|group| (group.id, Arc::new(group)))
            .collect();
        Ok((jobs, groups))
    }
}

type Jobs = HashMap<i32, Arc<JobDispatch>>;
type Groups = HashMap<i32, Arc<JobGroup>>;

fn distinct(ids: impl Iterator<Item = i32>) -> Vec<i32> {
    let mut ids: Vec<i32> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
