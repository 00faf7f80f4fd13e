//! Operations on a run through its executor and on the log table: read a run's rolling log
//! (`/log`, PROTOCOL.md §8.4), kill a running fire (`/kill`), and clear old logs (§6.7).

use chrono::{Duration as Days, Months, NaiveDateTime};
use jobwheel_executor::protocol::{CODE_FAIL, CODE_SUCCESS, LogRequest, LogResult};
use serde::Serialize;

use super::lifecycle::{self, Completion};
use crate::app::AppState;
use crate::dispatch::{ExecutorClient, Target};
use crate::error::{Error, Result};
use crate::store::{JobGroup, JobLog, LogScope};
use crate::time::{from_naive, now_naive};

/// Rows deleted per statement by clears and the retention cleanup: each delete is one short
/// statement, so no lock is held for long on a big table (XXL-JOB's batch size).
pub const DELETE_BATCH: i64 = 1000;

/// What the console and REST get for one poll of a run's log: the executor's
/// [`LogResult`] (content HTML-escaped except `<br>`, `<b>`, `</b>`) plus `end`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTail {
    /// First line of this answer (echoes the request).
    pub from_line_num: i32,
    /// Last line of this answer; `from > to` means nothing new.
    pub to_line_num: i32,
    /// The lines.
    pub log_content: Option<String>,
    /// True once nothing new came *and* the run has its result: stop polling.
    pub end: bool,
}

/// One poll of log `log_id` from line `from_line_num` (1-based), read from its executor.
pub async fn tail(state: &AppState, log_id: i64, from_line_num: i32) -> Result<LogTail> {
    if from_line_num < 1 {
        return Err(Error::validation("fromLineNum", "must be 1 or more"));
    }
    let log = super::logs::get(state, log_id).await?;
    let (address, group) = executor_of(state, &log).await?;
    let request = LogRequest {
        log_date_time: log
            .fire_at
            .or_else(|| log.trigger_time.map(|t| from_naive(t, state.tz)))
            .unwrap_or_default(),
        log_id,
        from_line_num,
    };
    let client = ExecutorClient::from_config(&state.config)?;
    let reply = client
        .log(&target(&address, group.as_ref()), &request)
        .await;
    if reply.code != CODE_SUCCESS {
        return Err(Error::Executor(reply.msg.unwrap_or_else(|| {
            format!("executor {address} answered code {}", reply.code)
        })));
    }
    let result: LogResult = reply.data.or(reply.content).unwrap_or_default();
    let nothing_new = result.from_line_num > result.to_line_num;
    Ok(LogTail {
        from_line_num: result.from_line_num,
        to_line_num: result.to_line_num,
        log_content: result.log_content.as_deref().map(escape_log_html),
        end: nothing_new && log.handle_code > 0,
    })
}

/// What a kill did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Killed {
    /// The log.
    pub log_id: i64,
    /// The executor's answer.
    pub msg: Option<String>,
    /// The log's handle code now (500, or the executor's own report of the killed run
    /// when it arrived first; the kill note is added to its message either way).
    pub code: Option<i32>,
}

/// Kills the running fire of log `log_id` on its executor (`/kill`) and marks the log
/// failed (500, "Manual operation, kill job:…"; XXL-JOB's message). Only a run that was accepted and has no
/// result yet can be killed.
pub async fn kill(state: &AppState, log_id: i64) -> Result<Killed> {
    let log = super::logs::get(state, log_id).await?;
    if log.trigger_code != CODE_SUCCESS || log.handle_code != 0 {
        return Err(Error::Conflict(format!(
            "log {log_id} is not running (trigger code {}, handle code {})",
            log.trigger_code, log.handle_code
        )));
    }
    let (address, group) = executor_of(state, &log).await?;
    let client = ExecutorClient::from_config(&state.config)?;
    let reply = client
        .kill(&target(&address, group.as_ref()), log.job_id)
        .await;
    if reply.code != CODE_SUCCESS {
        return Err(Error::Executor(reply.msg.unwrap_or_else(|| {
            format!("executor {address} refused the kill (code {})", reply.code)
        })));
    }
    let note = format!(
        "Manual operation, kill job:{}",
        reply.msg.clone().unwrap_or_default()
    );
    let completion = lifecycle::complete_run(state, log_id, CODE_FAIL, Some(&note)).await?;
    if completion == Completion::AlreadyCompleted {
        // The executor reported the killed run itself, faster than we could: keep its
        // result and add who killed it.
        let current = super::logs::get(state, log_id).await?;
        let existing = current.handle_msg.unwrap_or_default();
        state
            .store
            .set_handle_msg(log_id, &format!("{existing}<br>{note}"))
            .await?;
    }
    Ok(Killed {
        log_id,
        msg: reply.msg,
        code: state.store.get_log(log_id).await?.map(|l| l.handle_code),
    })
}

/// The executor a log's run went to, and its group (for the token and protocol).
async fn executor_of(state: &AppState, log: &JobLog) -> Result<(String, Option<JobGroup>)> {
    let address = log
        .executor_address
        .clone()
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| {
            Error::Conflict(format!(
                "log {} has no executor address (its trigger did not reach one)",
                log.id
            ))
        })?;
    let group = state.store.get_group(log.job_group).await?;
    Ok((address, group))
}

fn target<'a>(address: &'a str, group: Option<&'a JobGroup>) -> Target<'a> {
    Target {
        address,
        app_name: group.map(|g| g.app_name.as_str()).unwrap_or_default(),
        access_token: group.and_then(|g| g.access_token.as_deref()),
        protocol: group.and_then(|g| g.protocol),
    }
}

/// The console's "clear log" kinds (`/joblog/clearLog` `type`, PROTOCOL.md §6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClearKind {
    /// Logs triggered more than this many months ago (types 1–4: 1, 3, 6, 12).
    OlderThanMonths(u32),
    /// All but the newest this many (types 5–8: 1,000, 10,000, 30,000, 100,000).
    KeepNewest(i64),
    /// Everything (type 9).
    All,
}

impl ClearKind {
    /// Reads XXL-JOB's `type` 1..9.
    pub fn from_type(kind: i32) -> Result<Self> {
        Ok(match kind {
            1 => Self::OlderThanMonths(1),
            2 => Self::OlderThanMonths(3),
            3 => Self::OlderThanMonths(6),
            4 => Self::OlderThanMonths(12),
            5 => Self::KeepNewest(1_000),
            6 => Self::KeepNewest(10_000),
            7 => Self::KeepNewest(30_000),
            8 => Self::KeepNewest(100_000),
            9 => Self::All,
            _ => {
                return Err(Error::validation(
                    "type",
                    "must be 1..9 (1-4: older than 1/3/6/12 months, 5-8: keep the newest 1k/10k/30k/100k, 9: all)",
                ));
            }
        })
    }
}

/// Clears logs of a group and/or job (`0` = all) as `kind` says; returns how many.
///
/// "Newest" is by id, which grows with insertion (XXL-JOB orders by `trigger_time`, which
/// differs only for fires recorded ahead of their time by the scan's 5 s pre-read).
pub async fn clear(state: &AppState, job_group: i32, job_id: i32, kind: ClearKind) -> Result<u64> {
    let job_group = (job_group > 0).then_some(job_group);
    let job_id = (job_id > 0).then_some(job_id);
    let mut scope = LogScope {
        job_group,
        job_id,
        ..LogScope::default()
    };
    match kind {
        ClearKind::OlderThanMonths(months) => {
            let now = now_naive(state.tz);
            scope.before = Some(now.checked_sub_months(Months::new(months)).unwrap_or(now));
        }
        ClearKind::KeepNewest(n) => {
            match state.store.nth_newest_log_id(job_group, job_id, n).await? {
                Some(oldest_kept) => scope.below_id = Some(oldest_kept),
                None => return Ok(0),
            }
        }
        ClearKind::All => {}
    }
    delete_in_batches(state, &scope, None).await
}

/// Deletes the logs of `scope` [`DELETE_BATCH`] at a time until none are left (or
/// `stop` is cancelled between batches); returns how many.
pub async fn delete_in_batches(
    state: &AppState,
    scope: &LogScope,
    stop: Option<&tokio_util::sync::CancellationToken>,
) -> Result<u64> {
    let mut deleted = 0;
    loop {
        if stop.is_some_and(|s| s.is_cancelled()) {
            break;
        }
        let ids = state.store.log_ids_in_scope(scope, DELETE_BATCH).await?;
        if ids.is_empty() {
            break;
        }
        deleted += state.store.delete_logs(&ids).await?;
        // Let other work (and other admins' statements) in between batches.
        tokio::task::yield_now().await;
    }
    Ok(deleted)
}

/// Midnight `days` days before `now`'s day: the retention cleanup's cut-off.
pub fn days_before_midnight(now: NaiveDateTime, days: u32) -> NaiveDateTime {
    now.date().and_hms_opt(0, 0, 0).unwrap_or(now) - Days::days(i64::from(days))
}

/// HTML-escapes log text, keeping the `<br>`, `<b>` and `</b>` executors and XXL-JOB
/// write (XXL-JOB HEAD's rule for the rolling log, also used for alarm mail).
pub fn escape_log_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
        .replace("&lt;br&gt;", "<br>")
        .replace("&lt;b&gt;", "<b>")
        .replace("&lt;/b&gt;", "</b>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_html_keeps_only_breaks_and_bold() {
        assert_eq!(
            escape_log_html("<b>ok</b><br><script>x & y</script>"),
            "<b>ok</b><br>&lt;script&gt;x &amp; y&lt;/script&gt;"
        );
    }

    #[test]
    fn clear_types_are_xxl_jobs() {
        assert_eq!(
            ClearKind::from_type(2).unwrap(),
            ClearKind::OlderThanMonths(3)
        );
        assert_eq!(
            ClearKind::from_type(8).unwrap(),
            ClearKind::KeepNewest(100_000)
        );
        assert_eq!(ClearKind::from_type(9).unwrap(), ClearKind::All);
        assert!(ClearKind::from_type(0).is_err());
        assert!(ClearKind::from_type(10).is_err());
    }

    #[test]
    fn retention_cuts_at_midnight() {
        let now =
            NaiveDateTime::parse_from_str("2024-05-10 15:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(
            days_before_midnight(now, 30).to_string(),
            "2024-04-10 00:00:00"
        );
    }
}
