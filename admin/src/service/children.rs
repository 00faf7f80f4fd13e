//! Child jobs: a successful run triggers the jobs listed in its job's `child_jobid`
//! (PROTOCOL.md §5.5).
//!
//! Called once per run, by [`super::lifecycle::complete_run`] after it wrote a 200 result
//! (the first result wins, so a callback delivered to two admins fires the children once).
//! As in XXL-JOB a child is triggered once per finished log: a SHARDING_BROADCAST parent
//! with N shards triggers each child N times. A child id that is not a number, is the job
//! itself, or names no job is reported in the message, never an error.

use crate::app::AppState;
use crate::dispatch::{TriggerRequest, TriggerType};
use crate::error::{Error, Result};

/// The header XXL-JOB puts above the child results in `handle_msg`.
pub const CHILD_HEADER: &str =
    "<br><br><span style=\"color:#00c0ef;\" > >>>>>>>>>>>Trigger child job<<<<<<<<<<< </span><br>";

/// Triggers every child in `child_jobid` (the comma-separated list of job `parent`) with
/// trigger type PARENT and returns the lines to append to the parent log's `handle_msg`;
/// `None` when the list names no child.
pub async fn trigger_children(state: &AppState, parent: i32, child_jobid: &str) -> Option<String> {
    let ids: Vec<&str> = child_jobid
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if ids.is_empty() {
        return None;
    }
    let total = ids.len();
    let mut msg = CHILD_HEADER.to_string();
    for (i, raw) in ids.into_iter().enumerate() {
        let outcome = match raw.parse::<i32>() {
            Ok(child) if child > 0 && child != parent => trigger_one(state, child).await,
            _ => Err("Job ID is illegal".to_string()),
        };
        let (result, detail) = match outcome {
            Ok(detail) => ("Success", detail),
            Err(detail) => ("Fail", detail),
        };
        msg.push_str(&format!(
            "{}/{total} [Job ID={raw}], Trigger {result}, Trigger msg: {detail} <br>",
            i + 1
        ));
    }
    Some(msg)
}

async fn trigger_one(state: &AppState, child: i32) -> std::result::Result<String, String> {
    let triggered: Result<Vec<i64>> = match state.dispatcher() {
        Ok(dispatcher) => {
            dispatcher
                .trigger(TriggerRequest::new(child, TriggerType::Parent))
                .await
        }
        Err(e) => Err(e),
    };
    match triggered {
        Ok(ids) => Ok(format!("queued as log {}", join_ids(&ids))),
        Err(Error::NotFound(_)) => Err(format!("job {child} does not exist")),
        Err(e) => {
            tracing::warn!(child, error = %e, "cannot trigger child job");
            Err(e.to_string())
        }
    }
}

/// `1, 2, 3`.
pub fn join_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
