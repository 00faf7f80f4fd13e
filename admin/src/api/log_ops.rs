//! `/api/v1/logs/…` operations that reach past the log row: a run's rolling log from its
//! executor, killing a running fire, clearing old logs.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::api::extract::{ApiId, ApiJson, ApiQuery};
use crate::app::AppState;
use crate::error::Result;
use crate::service::joblog::{self, ClearKind, Killed, LogTail};

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/logs/{id}/tail", get(tail))
        .route("/logs/{id}/kill", post(kill))
        .route("/logs/clear", post(clear))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TailQuery {
    from_line_num: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClearBody {
    #[serde(default)]
    job_group: i32,
    #[serde(default)]
    job_id: i32,
    r#type: i32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Cleared {
    deleted: u64,
}

async fn tail(
    State(state): State<AppState>,
    ApiId(id): ApiId<i64>,
    ApiQuery(q): ApiQuery<TailQuery>,
) -> Result<Json<LogTail>> {
    Ok(Json(
        joblog::tail(&state, id, q.from_line_num.unwrap_or(1)).await?,
    ))
}

async fn kill(State(state): State<AppState>, ApiId(id): ApiId<i64>) -> Result<Json<Killed>> {
    Ok(Json(joblog::kill(&state, id).await?))
}

async fn clear(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ClearBody>,
) -> Result<Json<Cleared>> {
    let kind = ClearKind::from_type(body.r#type)?;
    let deleted = joblog::clear(&state, body.job_group, body.job_id, kind).await?;
    Ok(Json(Cleared { deleted }))
}
