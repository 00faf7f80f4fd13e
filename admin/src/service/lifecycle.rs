//! The end of a run's life: an executor's result lands on its log row (PROTOCOL.md §2.4,
//! §6.3).
//!
//! Every path that finishes a run (a callback, the lost-result monitor, a manual kill) goes
//! through [`complete_runs`], so the rules live in one place: the first result wins, the
//! message is appended and bounded. Child jobs and alarms hook in here too.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use jobwheel_executor::protocol::CODE_SUCCESS;

use super::children;
use crate::app::AppState;
use crate::error::Result;
use crate::time::now_naive;

/// The admin keeps at most this many characters of a result message (XXL-JOB's limit).
pub const HANDLE_MSG_MAX_CHARS: usize = 15_000;

/// What [`complete_runs`] did with a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// The result was written.
    Completed,
    /// The run already had a result; this one was ignored ("log repeate callback").
    AlreadyCompleted,
    /// No log row has this id (deleted, or not ours); the result was ignored.
    LogNotFound,
    /// The run belongs to another group than the caller may finish; the result was
    /// ignored (a group token must not finish, and so chain, another group's jobs).
    OtherGroup,
}

/// A run's result as reported: by an executor's callback, the lost-result monitor, a kill.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// The run's log row.
    pub log_id: i64,
    /// `handleCode`: 200 success, anything else a failure.
    pub handle_code: i32,
    /// `handleMsg`.
    pub handle_msg: Option<String>,
}

/// Results written per transaction: a callback batch can hold thousands.
const BATCH: usize = 500;

/// Records the result of run `log_id`, unless it already has one (see [`complete_runs`]).
pub async fn complete_run(
    state: &AppState,
    log_id: i64,
    handle_code: i32,
    handle_msg: Option<&str>,
) -> Result<Completion> {
    let result = RunResult {
        log_id,
        handle_code,
        handle_msg: handle_msg.map(str::to_string),
    };
    let mut completions = complete_runs(state, std::slice::from_ref(&result), None).await?;
    Ok(completions.pop().unwrap_or(Completion::LogNotFound))
}

/// Records a batch of results, each unless its run already has one; answers one
/// [`Completion`] per result, in order. `group`, when set, is the only group whose runs
/// the caller may finish.
///
/// Each message is the existing `handle_msg`, `<br>`, then the new one, cut to
/// [`HANDLE_MSG_MAX_CHARS`]. The store reads and writes each chunk of the batch in one
/// transaction with the rows locked and writes only where `handle_code = 0`, so two admins
/// receiving the same callback (an executor retrying against a second admin) still write
/// it once, and only the admin whose write won fires the children. A result repeated
/// within the batch counts once (the first).
pub async fn complete_runs(
    state: &AppState,
    results: &[RunResult],
    group: Option<i32>,
) -> Result<Vec<Completion>> {
    let mut outcome: HashMap<i64, Completion> = HashMap::with_capacity(results.len());
    for chunk in results.chunks(BATCH) {
        complete_chunk(state, chunk, group, &mut outcome).await?;
    }
    let mut reported = HashSet::with_capacity(results.len());
    Ok(results
        .iter()
        .map(|r| match outcome.get(&r.log_id).copied() {
            Some(Completion::Completed) if !reported.insert(r.log_id) => {
                Completion::AlreadyCompleted
            }
            Some(completion) => completion,
            None => Completion::LogNotFound,
        })
        .collect())
}

/// One transaction of [`complete_runs`]; records each id's outcome in `outcome`.
async fn complete_chunk(
    state: &AppState,
    chunk: &[RunResult],
    group: Option<i32>,
    outcome: &mut HashMap<i64, Completion>,
) -> Result<()> {
    let mut first: HashMap<i64, &RunResult> = HashMap::with_capacity(chunk.len());
    for result in chunk {
        if !outcome.contains_key(&result.log_id) {
            first.entry(result.log_id).or_insert(result);
        }
    }
    let ids: Vec<i64> = first.keys().copied().collect();
    let mut messages: HashMap<i64, String> = HashMap::new();
    let mut foreign: HashSet<i64> = HashSet::new();
    let completed = state
        .store
        .complete_logs(&ids, now_naive(state.tz), &mut |log| {
            if group.is_some_and(|g| g != log.job_group) {
                foreign.insert(log.id);
                return None;
            }
            let result = first.get(&log.id)?;
            let message = join_message(log.handle_msg.as_deref(), result.handle_msg.as_deref());
            messages.insert(log.id, message.clone());
            Some((result.handle_code, message))
        })
        .await?;
    let written: HashSet<i64> = completed.written.into_iter().collect();
    let mut succeeded = Vec::new();
    for log in &completed.found {
        let completion = if written.contains(&log.id) {
            let success = first
                .get(&log.id)
                .is_some_and(|r| r.handle_code == CODE_SUCCESS);
            if let (true, Some(message)) = (success, messages.remove(&log.id)) {
                succeeded.push((log.job_id, log.id, message));
            }
            Completion::Completed
        } else if foreign.contains(&log.id) {
            tracing::warn!(
                log_id = log.id,
                ?group,
                "result for a run of another group ignored"
            );
            Completion::OtherGroup
        } else {
            Completion::AlreadyCompleted
        };
        outcome.insert(log.id, completion);
    }
    fire_children(state, succeeded).await
}

/// Triggers the children of runs that just succeeded and appends their results to each
/// run's `handle_msg` (XXL-JOB appends before writing; we write first so that only the
/// admin whose write won fires them). The child lists are read once per batch, and only
/// for jobs that have one: most runs' jobs have none, and this runs for every result.
async fn fire_children(state: &AppState, succeeded: Vec<(i32, i64, String)>) -> Result<()> {
    if succeeded.is_empty() {
        return Ok(());
    }
    let mut job_ids: Vec<i32> = succeeded.iter().map(|(job, _, _)| *job).collect();
    job_ids.sort_unstable();
    job_ids.dedup();
    let child_lists: HashMap<i32, String> = state
        .store
        .child_job_lists(&job_ids)
        .await?
        .into_iter()
        .collect();
    for (job_id, log_id, message) in succeeded {
        let Some(child_list) = child_lists.get(&job_id) else {
            continue;
        };
        if let Some(children) = children::trigger_children(state, job_id, child_list).await {
            state
                .store
                .set_handle_msg(log_id, &format!("{message}{children}"))
                .await?;
        }
    }
    Ok(())
}

/// `existing<br>new`, skipping blanks, bounded to [`HANDLE_MSG_MAX_CHARS`] characters.
fn join_message(existing: Option<&str>, new: Option<&str>) -> String {
    let parts: Vec<&str> = [existing, new]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    let joined = parts.join("<br>");
    match joined.char_indices().nth(HANDLE_MSG_MAX_CHARS) {
        Some((cut, _)) => joined[..cut].to_string(),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_appended_and_bounded() {
        assert_eq!(join_message(None, Some("ok")), "ok");
        assert_eq!(join_message(Some("child: 3"), Some("ok")), "child: 3<br>ok");
        assert_eq!(join_message(Some(""), None), "");
        let long = "é".repeat(HANDLE_MSG_MAX_CHARS + 10);
        let cut = join_message(None, Some(&long));
        assert_eq!(cut.chars().count(), HANDLE_MSG_MAX_CHARS);
    }
}
