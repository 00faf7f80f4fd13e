//! `/api/v1/jobs`: jobs, and starting and stopping their schedule.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::api::extract::{ApiId, ApiJson, ApiQuery, OptionalJson};
use crate::api::render::{self, List};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::jobs::{self, JobInput, TriggerInput};
use crate::store::{JobFilter, JobInfo};

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(list).post(create))
        .route("/jobs/{id}", get(show).put(update).delete(remove))
        .route("/jobs/{id}/start", post(start))
        .route("/jobs/{id}/stop", post(stop))
        .route("/jobs/{id}/trigger", post(trigger))
}

/// A job as REST v1 shows it: XXL-JOB's `XxlJobInfo` names plus `timeZone`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    id: i32,
    job_group: i32,
    job_desc: String,
    add_time: Option<String>,
    update_time: Option<String>,
    author: Option<String>,
    alarm_email: Option<String>,
    schedule_type: String,
    schedule_conf: Option<String>,
    misfire_strategy: String,
    executor_route_strategy: Option<String>,
    executor_handler: Option<String>,
    executor_param: Option<String>,
    executor_block_strategy: Option<String>,
    executor_timeout: i32,
    executor_fail_retry_count: i32,
    glue_type: String,
    glue_source: Option<String>,
    glue_remark: Option<String>,
    glue_updatetime: Option<String>,
    child_job_id: Option<String>,
    trigger_status: i8,
    trigger_last_time: i64,
    trigger_next_time: i64,
    time_zone: Option<String>,
}

impl From<JobInfo> for JobView {
    fn from(job: JobInfo) -> Self {
        Self {
            id: job.id,
            job_group: job.job_group,
            job_desc: job.job_desc,
            add_time: render::datetime(job.add_time),
            update_time: render::datetime(job.update_time),
            author: job.author,
            alarm_email: job.alarm_email,
            schedule_type: job.schedule_type,
            schedule_conf: job.schedule_conf,
            misfire_strategy: job.misfire_strategy,
            executor_route_strategy: job.executor_route_strategy,
            executor_handler: job.executor_handler,
            executor_param: job.executor_param,
            executor_block_strategy: job.executor_block_strategy,
            executor_timeout: job.executor_timeout,
            executor_fail_retry_count: job.executor_fail_retry_count,
            glue_type: job.glue_type,
            glue_source: job.glue_source,
            glue_remark: job.glue_remark,
            glue_updatetime: render::datetime(job.glue_updatetime),
            child_job_id: job.child_jobid,
            trigger_status: job.trigger_status,
            trigger_last_time: job.trigger_last_time,
            trigger_next_time: job.trigger_next_time,
            time_zone: job.time_zone,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobQuery {
    group: Option<i32>,
    status: Option<String>,
    desc: Option<String>,
    handler: Option<String>,
    author: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

/// `status`: `0`/`stopped` or `1`/`running`.
fn parse_status(value: &str) -> Result<i8> {
    match value.trim().to_ascii_lowercase().as_str() {
        "0" | "stopped" => Ok(0),
        "1" | "running" => Ok(1),
        other => Err(Error::validation(
            "status",
            format!("`{other}` is not a job status (running or stopped, 1 or 0)"),
        )),
    }
}

async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<JobQuery>,
) -> Result<Json<List<JobView>>> {
    let page = render::page(q.offset, q.limit)?;
    let non_blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let filter = JobFilter {
        job_group: q.group,
        trigger_status: non_blank(q.status).map(|s| parse_status(&s)).transpose()?,
        job_desc: non_blank(q.desc),
        executor_handler: non_blank(q.handler),
        author: non_blank(q.author),
    };
    let (rows, total) = jobs::list(&state, &filter, page).await?;
    Ok(Json(List::of(rows, total, page, JobView::from)))
}

async fn show(State(state): State<AppState>, ApiId(id): ApiId<i32>) -> Result<Json<JobView>> {
    Ok(Json(jobs::get(&state, id).await?.into()))
}

async fn create(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<JobInput>,
) -> Result<(StatusCode, Json<JobView>)> {
    let job = jobs::create(&state, input).await?;
    Ok((StatusCode::CREATED, Json(job.into())))
}

async fn update(
    State(state): State<AppState>,
    ApiId(id): ApiId<i32>,
    ApiJson(input): ApiJson<JobInput>,
) -> Result<Json<JobView>> {
    Ok(Json(jobs::update(&state, id, input).await?.into()))
}

async fn remove(State(state): State<AppState>, ApiId(id): ApiId<i32>) -> Result<StatusCode> {
    jobs::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn start(State(state): State<AppState>, ApiId(id): ApiId<i32>) -> Result<Json<JobView>> {
    Ok(Json(jobs::start(&state, id).await?.into()))
}

async fn stop(State(state): State<AppState>, ApiId(id): ApiId<i32>) -> Result<Json<JobView>> {
    Ok(Json(jobs::stop(&state, id).await?.into()))
}

/// The log ids of a manual trigger.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Triggered {
    log_ids: Vec<i64>,
}

/// 202: the run is queued; its log rows say how the executor answered.
async fn trigger(
    State(state): State<AppState>,
    ApiId(id): ApiId<i32>,
    OptionalJson(input): OptionalJson<TriggerInput>,
) -> Result<(StatusCode, Json<Triggered>)> {
    let log_ids = jobs::trigger(&state, id, input.unwrap_or_default()).await?;
    Ok((StatusCode::ACCEPTED, Json(Triggered { log_ids })))
}
