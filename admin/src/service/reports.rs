//! The daily report (`xxl_job_log_report`, PROTOCOL.md §6.6): per-day running, success
//! and failure counts that feed the dashboard, refreshed by the report monitor.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::store::{LogReport, Store};
use crate::time::now_naive;

/// At most this many days per report request.
pub const MAX_DAYS: i64 = 366;

/// Recounts the `days` days up to and including `now`'s day (admin zone) from the log
/// table.
pub async fn refresh(store: &dyn Store, now: NaiveDateTime, days: i64) -> Result<()> {
    for back in 0..days {
        let day = now.date() - Duration::days(back);
        let (start, end) = day_bounds(day);
        let counts = store.count_logs(start, end).await?;
        let report = LogReport {
            trigger_day: start,
            running_count: clamp(counts.running),
            suc_count: clamp(counts.success),
            fail_count: clamp(counts.failed()),
            update_time: Some(now),
        };
        store.save_report(&report).await?;
    }
    Ok(())
}

/// Refreshes the report as the monitor does each minute: today and the two days before.
pub async fn refresh_recent(state: &AppState) -> Result<()> {
    refresh(&*state.store, now_naive(state.tz), 3).await
}

/// The report of `from..=to`, one entry per day (days without logs count zero), and the
/// totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Each day, oldest first.
    pub days: Vec<ReportDay>,
    /// Sums over the days.
    pub running_count: i64,
    /// Sums over the days.
    pub suc_count: i64,
    /// Sums over the days.
    pub fail_count: i64,
}

/// One day of a [`Report`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportDay {
    /// `yyyy-MM-dd`.
    pub day: NaiveDate,
    /// Runs without a result yet.
    pub running_count: i32,
    /// Successful runs.
    pub suc_count: i32,
    /// Failed runs.
    pub fail_count: i32,
}

/// The report of the days `from..=to`.
pub async fn between(state: &AppState, from: NaiveDate, to: NaiveDate) -> Result<Report> {
    if from > to {
        return Err(Error::validation("from", "`from` is after `to`"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(Error::validation(
            "to",
            format!("at most {MAX_DAYS} days per request"),
        ));
    }
    let stored = state
        .store
        .list_reports(day_bounds(from).0, day_bounds(to).0)
        .await?;
    let mut days = Vec::new();
    let mut day = from;
    while day <= to {
        let row = stored.iter().find(|r| r.trigger_day.date() == day);
        days.push(ReportDay {
            day,
            running_count: row.map_or(0, |r| r.running_count),
            suc_count: row.map_or(0, |r| r.suc_count),
            fail_count: row.map_or(0, |r| r.fail_count),
        });
        day += Duration::days(1);
    }
    let sum = |f: fn(&ReportDay) -> i32| days.iter().map(|d| i64::from(f(d))).sum();
    Ok(Report {
        running_count: sum(|d| d.running_count),
        suc_count: sum(|d| d.suc_count),
        fail_count: sum(|d| d.fail_count),
        days,
    })
}

/// 00:00:00 and 23:59:59 of `day` (DATETIMEs keep whole seconds).
fn day_bounds(day: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    let start = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    let end = day.and_hms_opt(23, 59, 59).unwrap_or(start);
    (start, end)
}

fn clamp(count: i64) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}
