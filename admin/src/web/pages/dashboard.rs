//! The dashboard: counts and a per-day chart of triggers, drawn as SVG on the server.
//!
//! XXL-JOB reads these from its daily `xxl_job_log_report` aggregation; until Jobwheel's
//! store has that table, the numbers are counted from `xxl_job_log` through the store
//! (one count per day and status class, over indexed `trigger_time`).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveTime};
use serde::Deserialize;

use super::render;
use crate::error::Result;
use crate::store::{JobFilter, LogFilter, LogStatus, Page, Store};
use crate::web::WebState;
use crate::web::context::{Ctx, Viewer};

/// Seconds without a heartbeat after which an executor counts as gone (PROTOCOL.md §2.5).
const DEAD_AFTER_SECS: i64 = 90;

/// `GET /`: the dashboard.
pub async fn home(viewer: Viewer) -> Response {
    Redirect::to(&format!("{}/dashboard", viewer.base)).into_response()
}

/// Query of the dashboard.
#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    /// 7 or 30.
    pub days: Option<u32>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    jobs: i64,
    triggers: i64,
    succeeded: i64,
    failed: i64,
    executors: usize,
    days: u32,
    chart: Chart,
}

/// One day's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayCount {
    /// `yyyy-MM-dd`.
    pub day: String,
    /// `handle_code = 200`.
    pub succeeded: i64,
    /// Failed trigger or run.
    pub failed: i64,
    /// Triggered, no result yet.
    pub running: i64,
}

/// `GET /dashboard?days=7|30`.
pub async fn page(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(query): Query<DashboardQuery>,
) -> Response {
    let days = if query.days == Some(30) { 30 } else { 7 };
    match load(&state, days).await {
        Ok((jobs, executors, per_day)) => {
            let succeeded = per_day.iter().map(|d| d.succeeded).sum();
            let failed = per_day.iter().map(|d| d.failed).sum();
            let running: i64 = per_day.iter().map(|d| d.running).sum();
            render(&DashboardPage {
                ctx: viewer.ctx("nav.dashboard"),
                jobs,
                triggers: succeeded + failed + running,
                succeeded,
                failed,
                executors,
                days,
                chart: Chart::draw(&per_day),
            })
        }
        Err(e) => viewer.fail(e).into_response(),
    }
}

async fn load(state: &WebState, days: u32) -> Result<(i64, usize, Vec<DayCount>)> {
    let store = &*state.app.store;
    let none = Page {
        offset: 0,
        limit: 0,
    };
    let (_, jobs) = store.list_jobs(&JobFilter::default(), none).await?;
    let now = crate::time::now_naive(state.app.tz);
    let alive = store
        .registry_alive(now - Duration::seconds(DEAD_AFTER_SECS))
        .await?;
    let mut addresses: Vec<&str> = alive.iter().map(|r| r.registry_value.as_str()).collect();
    addresses.sort_unstable();
    addresses.dedup();
    let today = now.date();
    let mut per_day = Vec::with_capacity(days as usize);
    for back in (0..i64::from(days)).rev() {
        let day = today - Duration::days(back);
        let from = day.and_time(NaiveTime::MIN);
        let to = from + Duration::days(1) - Duration::seconds(1);
        per_day.push(DayCount {
            day: day.format("%Y-%m-%d").to_string(),
            succeeded: count(store, from, to, LogStatus::Success).await?,
            failed: count(store, from, to, LogStatus::Failure).await?,
            running: count(store, from, to, LogStatus::Running).await?,
        });
    }
    Ok((jobs, addresses.len(), per_day))
}

async fn count(
    store: &dyn Store,
    from: chrono::NaiveDateTime,
    to: chrono::NaiveDateTime,
    status: LogStatus,
) -> Result<i64> {
    let filter = LogFilter {
        status: Some(status),
        from: Some(from),
        to: Some(to),
        ..LogFilter::default()
    };
    let (_, total) = store
        .list_logs(
            &filter,
            Page {
                offset: 0,
                limit: 0,
            },
        )
        .await?;
    Ok(total)
}

/// Geometry of the stacked bar chart, in SVG user units.
pub struct Chart {
    /// View box width.
    pub width: i64,
    /// View box height.
    pub height: i64,
    /// Y of the zero line.
    pub base: i64,
    /// Largest day total (the top tick).
    pub max: i64,
    /// Width of each bar.
    pub bar_width: i64,
    /// One bar per day.
    pub bars: Vec<Bar>,
}

/// One day's stacked bar.
pub struct Bar {
    /// Left edge.
    pub x: i64,
    /// Tooltip: the day.
    pub label: String,
    /// Axis label: `MM-dd`.
    pub short: String,
    /// Whether to print the axis label (every day for a week, every 5th for a month).
    pub show_label: bool,
    /// Successes.
    pub succeeded: i64,
    /// Failures.
    pub failed: i64,
    /// Running.
    pub running: i64,
    /// Top and height of the success part.
    pub y_ok: i64,
    /// Height of the success part.
    pub h_ok: i64,
    /// Top of the failure part.
    pub y_bad: i64,
    /// Height of the failure part.
    pub h_bad: i64,
    /// Top of the running part.
    pub y_run: i64,
    /// Height of the running part.
    pub h_run: i64,
}

impl Chart {
    /// Lays out one stacked bar per day, scaled to the busiest day.
    pub fn draw(days: &[DayCount]) -> Self {
        let (width, height, base, left) = (720, 220, 190, 44);
        let max = days
            .iter()
            .map(|d| d.succeeded + d.failed + d.running)
            .max()
            .unwrap_or(0)
            .max(1);
        let slot = (width - left) / days.len().max(1) as i64;
        let bar_width = (slot * 2 / 3).max(2);
        let scale = |n: i64| n * (base - 10) / max;
        let every = if days.len() > 10 { 5 } else { 1 };
        let bars = days
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let (h_ok, h_bad, h_run) = (scale(d.succeeded), scale(d.failed), scale(d.running));
                let y_ok = base - h_ok;
                let y_bad = y_ok - h_bad;
                Bar {
                    x: left + i as i64 * slot,
                    label: d.day.clone(),
                    short: d.day.get(5..).unwrap_or_default().to_string(),
                    show_label: i % every == 0 || i + 1 == days.len(),
                    succeeded: d.succeeded,
                    failed: d.failed,
                    running: d.running,
                    y_ok,
                    h_ok,
                    y_bad,
                    h_bad,
                    y_run: y_bad - h_run,
                    h_run,
                }
            })
            .collect();
        Self {
            width,
            height,
            base,
            max,
            bar_width,
            bars,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_stack_to_the_busiest_days_height() {
        let days = vec![
            DayCount {
                day: "2024-01-01".into(),
                succeeded: 6,
                failed: 2,
                running: 2,
            },
            DayCount {
                day: "2024-01-02".into(),
                ..DayCount::default()
            },
        ];
        let chart = Chart::draw(&days);
        let busy = &chart.bars[0];
        assert_eq!(chart.max, 10);
        assert_eq!(busy.h_ok + busy.h_bad + busy.h_run, chart.base - 10);
        assert_eq!(busy.y_run, 10, "the busiest bar reaches the top margin");
        assert_eq!(chart.bars[1].h_ok, 0);
        assert_eq!(busy.short, "01-01");
    }
}
