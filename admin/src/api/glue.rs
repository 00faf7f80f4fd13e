//! `/api/v1/jobs/{id}/glue`: a GLUE job's source, its versions, and restoring one.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::api::extract::{ApiId, ApiJson};
use crate::api::render;
use crate::app::AppState;
use crate::error::Result;
use crate::service::glue::{self, GlueSource};
use crate::store::GlueVersion;

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/jobs/{id}/glue", get(show).put(save))
        .route("/jobs/{id}/glue/versions", get(versions))
        .route("/jobs/{id}/glue/restore", post(restore))
}

/// A job's current source.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SourceView {
    job_id: i32,
    glue_type: String,
    glue_source: Option<String>,
    glue_remark: Option<String>,
    glue_updatetime: Option<String>,
}

impl From<GlueSource> for SourceView {
    fn from(g: GlueSource) -> Self {
        Self {
            job_id: g.job_id,
            glue_type: g.glue_type,
            glue_source: g.glue_source,
            glue_remark: g.glue_remark,
            glue_updatetime: render::datetime(g.glue_updatetime),
        }
    }
}

/// One saved version.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionView {
    id: i32,
    job_id: i32,
    glue_type: Option<String>,
    glue_source: Option<String>,
    glue_remark: String,
    add_time: Option<String>,
}

impl From<GlueVersion> for VersionView {
    fn from(v: GlueVersion) -> Self {
        Self {
            id: v.id,
            job_id: v.job_id,
            glue_type: v.glue_type,
            glue_source: v.glue_source,
            glue_remark: v.glue_remark,
            add_time: render::datetime(v.add_time),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SaveBody {
    glue_source: String,
    glue_remark: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RestoreBody {
    version_id: i32,
}

async fn show(State(state): State<AppState>, ApiId(id): ApiId<i32>) -> Result<Json<SourceView>> {
    Ok(Json(glue::get(&state, id).await?.into()))
}

async fn save(
    State(state): State<AppState>,
    ApiId(id): ApiId<i32>,
    ApiJson(body): ApiJson<SaveBody>,
) -> Result<Json<SourceView>> {
    let saved = glue::save(&state, id, &body.glue_source, &body.glue_remark).await?;
    Ok(Json(saved.into()))
}

async fn versions(
    State(state): State<AppState>,
    ApiId(id): ApiId<i32>,
) -> Result<Json<Vec<VersionView>>> {
    let versions = glue::versions(&state, id).await?;
    Ok(Json(versions.into_iter().map(VersionView::from).collect()))
}

async fn restore(
    State(state): State<AppState>,
    ApiId(id): ApiId<i32>,
    ApiJson(body): ApiJson<RestoreBody>,
) -> Result<Json<SourceView>> {
    Ok(Json(
        glue::restore(&state, id, body.version_id).await?.into(),
    ))
}
