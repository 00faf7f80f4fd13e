//! The dashboard: counts and a per-day chart of triggers, drawn as SVG on the server.
//!
//! As in XXL-JOB, the numbers come from the daily report (`xxl_job_log_report`, through
//! [`crate::service::reports`]), which the report monitor refreshes every minute: one small
//! read per page instead of counting `xxl_job_log` per day and status on every visit.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use serde::Deserialize;

use super::render;
use crate::error::Result;
use crate::service::reports::{self, Report, ReportDay};
use crate::store::{JobFilter, Page};
use crate::web::WebState;
use crate::web::context::{Ctx, Viewer};
use crate::web::query::PageQuery;

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

/// `GET /dashboard?days=7|30`.
pub async fn page(
    State(state): State<WebState>,
    viewer: Viewer,
    PageQuery(query): PageQuery<DashboardQuery>,
) -> Response {
    let days = if query.days == Some(30) { 30 } else { 7 };
    match load(&state, days).await {
        Ok((jobs, executors, report)) => render(&DashboardPage {
            ctx: viewer.ctx("nav.dashboard"),
            jobs,
            triggers: report.suc_count + report.fail_count + report.running_count,
            succeeded: report.suc_count,
            failed: report.fail_count,
            executors,
            days,
            chart: Chart::draw(&report.days),
        }),
        Err(e) => viewer.fail(e).into_response(),
    }
}

async fn load(state: &WebState, days: u32) -> Result<(i64, usize, Report)> {
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
    let first = today - Duration::days(i64::from(days) - 1);
    let report = reports::between(&state.app, first, today).await?;
    Ok((jobs, addresses.len(), report))
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
    pub fn draw(days: &[ReportDay]) -> Self {
        let (width, height, base, left) = (720, 220, 190, 44);
        let max = days
            .iter()
            .map(|d| i64::from(d.suc_count) + i64::from(d.fail_count) + i64::from(d.running_count))
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
                let (succeeded, failed, running) = (
                    i64::from(d.suc_count),
                    i64::from(d.fail_count),
                    i64::from(d.running_count),
                );
                let (h_ok, h_bad, h_run) = (scale(succeeded), scale(failed), scale(running));
                let y_ok = base - h_ok;
                let y_bad = y_ok - h_bad;
                Bar {
                    x: left + i as i64 * slot,
                    label: d.day.format("%Y-%m-%d").to_string(),
                    short: d.day.format("%m-%d").to_string(),
                    show_label: i % every == 0 || i + 1 == days.len(),
                    succeeded,
                    failed,
                    running,
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
        let day = |d: u32, suc_count, fail_count, running_count| ReportDay {
            day: chrono::NaiveDate::from_ymd_opt(2024, 1, d).unwrap(),
            running_count,
            suc_count,
            fail_count,
        };
        let days = vec![day(1, 6, 2, 2), day(2, 0, 0, 0)];
        let chart = Chart::draw(&days);
        let busy = &chart.bars[0];
        assert_eq!(chart.max, 10);
        assert_eq!(busy.h_ok + busy.h_bad + busy.h_run, chart.base - 10);
        assert_eq!(busy.y_run, 10, "the busiest bar reaches the top margin");
        assert_eq!(chart.bars[1].h_ok, 0);
        assert_eq!(busy.short, "01-01");
    }
}
