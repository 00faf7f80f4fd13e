//! The end of a run's life: an executor's result lands on its log row (PROTOCOL.md §2.4,
//! §6.3).
//!
//! Every path that finishes a run (a callback, the lost-result monitor, a manual kill) goes
//! through [`complete_run`], so the rules live in one place: the first result wins, the
//! message is appended and bounded. Child jobs and alarms hook in here too.

use crate::app::AppState;
use crate::error::Result;
use crate::time::now_naive;

/// The admin keeps at most this many characters of a result message (XXL-JOB's limit).
pub const HANDLE_MSG_MAX_CHARS: usize = 15_000;

/// What [`complete_run`] did with a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// The result was written.
    Completed,
    /// The run already had a result; this one was ignored ("log repeate callback").
    AlreadyCompleted,
    /// No log row has this id (deleted, or not ours); the result was ignored.
    LogNotFound,
}

/// Records the result of run `log_id`, unless it already has one.
///
/// The message is the existing `handle_msg`, `<br>`, then `handle_msg`, cut to
/// [`HANDLE_MSG_MAX_CHARS`]. The store writes only while `handle_code = 0`, so two admins
/// receiving the same callback (an executor retrying against a second admin) still write
/// it once.
pub async fn complete_run(
    state: &AppState,
    log_id: i64,
    handle_code: i32,
    handle_msg: Option<&str>,
) -> Result<Completion> {
    let Some(log) = state.store.get_log(log_id).await? else {
        tracing::debug!(log_id, "result for an unknown log ignored");
        return Ok(Completion::LogNotFound);
    };
    if log.handle_code > 0 {
        tracing::debug!(log_id, "repeated result ignored");
        return Ok(Completion::AlreadyCompleted);
    }
    let message = join_message(log.handle_msg.as_deref(), handle_msg);
    let written = state
        .store
        .complete_log(log_id, handle_code, &message, now_naive(state.tz))
        .await?;
    Ok(if written {
        Completion::Completed
    } else {
        Completion::AlreadyCompleted
    })
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
