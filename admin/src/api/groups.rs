//! `/api/v1/groups`: executor groups.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use jobwheel_executor::protocol::ProtocolGeneration;
use serde::{Deserialize, Serialize};

use crate::api::extract::{ApiId, ApiJson, ApiQuery};
use crate::api::render::{self, List};
use crate::app::AppState;
use crate::error::Result;
use crate::service::groups::{self, GroupInput};
use crate::store::{GroupFilter, JobGroup};

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", get(list).post(create))
        .route("/groups/{id}", get(show).put(update).delete(remove))
}

/// A group as REST v1 shows it. The per-group access token is write-only: it is a secret
/// executors hold, and reading it back is XXL-JOB's issue #3995.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    id: i32,
    appname: String,
    title: String,
    address_type: i8,
    address_list: Option<String>,
    registry_list: Vec<String>,
    access_token_set: bool,
    protocol: Option<ProtocolGeneration>,
    update_time: Option<String>,
}

impl From<JobGroup> for GroupView {
    fn from(group: JobGroup) -> Self {
        Self {
            registry_list: group.addresses(),
            id: group.id,
            appname: group.app_name,
            title: group.title,
            address_type: group.address_type.as_db(),
            address_list: group.address_list,
            access_token_set: group.access_token.is_some(),
            protocol: group.protocol,
            update_time: render::datetime(group.update_time),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupQuery {
    #[serde(alias = "appName")]
    appname: Option<String>,
    title: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<GroupQuery>,
) -> Result<Json<List<GroupView>>> {
    let page = render::page(q.offset, q.limit)?;
    let filter = GroupFilter {
        app_name: q.appname.filter(|s| !s.is_empty()),
        title: q.title.filter(|s| !s.is_empty()),
    };
    let (rows, total) = groups::list(&state, &filter, page).await?;
    Ok(Json(List::of(rows, total, page, GroupView::from)))
}

async fn show(State(state): State<AppState>, ApiId(id): ApiId<i32>) -> Result<Json<GroupView>> {
    Ok(Json(groups::get(&state, id).await?.into()))
}

async fn create(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<GroupInput>,
) -> Result<(StatusCode, Json<GroupView>)> {
    let group = groups::create(&state, input).await?;
    Ok((StatusCode::CREATED, Json(group.into())))
}

async fn update(
    State(state): State<AppState>,
    ApiId(id): ApiId<i32>,
    ApiJson(input): ApiJson<GroupInput>,
) -> Result<Json<GroupView>> {
    Ok(Json(groups::update(&state, id, input).await?.into()))
}

async fn remove(State(state): State<AppState>, ApiId(id): ApiId<i32>) -> Result<StatusCode> {
    groups::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
