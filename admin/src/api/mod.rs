//! The admin's HTTP APIs, apart from the console:
//!
//! * the **executor API** (`api/registry`, `api/registryRemove`, `api/callback`), which
//!   XXL-JOB executors of every generation call ([`executor`]);
//! * **REST v1** (`api/v1/…`), JSON for people and tools, behind bearer tokens ([`auth`]):
//!   executor [`groups`], [`jobs`], trigger [`logs`] and a [`schedules`] preview.
//!
//! Handlers are thin: parse (with the [`extract`] wrappers, whose rejections are ours),
//! call one `crate::service` function, render. Errors go through [`crate::Error`].

pub mod auth;
pub mod executor;
pub mod extract;
pub mod groups;
pub mod jobs;
pub mod logs;
pub mod render;
pub mod schedules;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::any;

use crate::app::AppState;
use crate::error::Error;

/// Executors batch many results in one callback (each message up to 50,000 characters).
const EXECUTOR_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The executor API and REST v1, without the context path (`server.rs` nests it).
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .merge(groups::routes())
        .merge(jobs::routes())
        .merge(logs::routes())
        .merge(schedules::routes())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_bearer,
        ))
        .fallback(v1_not_found);
    Router::new()
        .nest("/api/v1", v1)
        .route(
            "/api/{uri}",
            any(executor::dispatch).layer(DefaultBodyLimit::max(EXECUTOR_BODY_LIMIT)),
        )
        .with_state(state)
}

async fn v1_not_found(uri: axum::http::Uri) -> Error {
    Error::NotFound(format!("route {}", uri.path()))
}
