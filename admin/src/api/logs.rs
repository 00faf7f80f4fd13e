//! `/api/v1/logs`: trigger logs, one per run.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::api::extract::{ApiId, ApiQuery};
use crate::api::render::{self, List};
use crate::app::AppState;
use crate::error::Result;
use crate::service::logs;
use crate::store::{FireState, JobLog, LogFilter};

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/logs", get(list))
        .route("/logs/{id}", get(show))
}

/// A log row as REST v1 shows it (XXL-JOB's `XxlJobLog` names, plus the fire intent).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogView {
    id: i64,
    job_group: i32,
    job_id: i32,
    executor_address: Option<String>,
    executor_handler: Option<String>,
    executor_param: Option<String>,
    executor_sharding_param: Option<String>,
    executor_fail_retry_count: i32,
    trigger_time: Option<String>,
    trigger_code: i32,
    trigger_msg: Option<String>,
    trigger_type: Option<String>,
    handle_time: Option<String>,
    handle_code: i32,
    handle_msg: Option<String>,
    alarm_status: i8,
    fire_at: Option<i64>,
    fire_state: FireState,
}

impl From<JobLog> for LogView {
    fn from(log: JobLog) -> Self {
        Self {
            id: log.id,
            job_group: log.job_group,
            job_id: log.job_id,
            executor_address: log.executor_address,
            executor_handler: log.executor_handler,
            executor_param: log.executor_param,
            executor_sharding_param: log.executor_sharding_param,
            executor_fail_retry_count: log.executor_fail_retry_count,
            trigger_time: render::datetime(log.trigger_time),
            trigger_code: log.trigger_code,
            trigger_msg: log.trigger_msg,
            trigger_type: log.trigger_type,
            handle_time: render::datetime(log.handle_time),
            handle_code: log.handle_code,
            handle_msg: log.handle_msg,
            alarm_status: log.alarm_status,
            fire_at: log.fire_at,
            fire_state: log.fire_state,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    group: Option<i32>,
    job: Option<i32>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<List<LogView>>> {
    let page = render::page(q.offset, q.limit)?;
    let non_blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let filter = LogFilter {
        job_group: q.group,
        job_id: q.job,
        status: non_blank(q.status)
            .map(|s| logs::parse_status("status", &s))
            .transpose()?,
        from: non_blank(q.from)
            .map(|s| logs::parse_time("from", &s, state.tz))
            .transpose()?,
        to: non_blank(q.to)
            .map(|s| logs::parse_time("to", &s, state.tz))
            .transpose()?,
    };
    let (rows, total) = logs::list(&state, &filter, page).await?;
    Ok(Json(List::of(rows, total, page, LogView::from)))
}

async fn show(State(state): State<AppState>, ApiId(id): ApiId<i64>) -> Result<Json<LogView>> {
    Ok(Json(logs::get(&state, id).await?.into()))
}
