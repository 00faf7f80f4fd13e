//! `GET /metrics`: the Prometheus text format.
//!
//! **Open by default**, like `/healthz`: Prometheus scrapes from inside the network, and the
//! series hold counts and durations only (no job names, parameters, addresses or tokens).
//! An admin reachable from untrusted networks sets `metrics_token` (`JOBWHEEL_METRICS_TOKEN`);
//! then a scrape needs `Authorization: Bearer <token>` (Prometheus: `authorization:
//! {credentials: <token>}` in the scrape config), and anything else gets 401.

use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::exporter;
use crate::api::auth::token_eq;
use crate::app::AppState;

/// The content type of the Prometheus text exposition format.
pub const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders the metrics, after checking the bearer token when one is configured.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = state.config.metrics_token.as_deref()
        && !bearer_matches(&headers, expected)
    {
        return (
            StatusCode::UNAUTHORIZED,
            [(WWW_AUTHENTICATE, "Bearer")],
            "metrics_token is set: send `Authorization: Bearer <token>`\n",
        )
            .into_response();
    }
    match exporter::render() {
        Some(text) => ([(CONTENT_TYPE, CONTENT_TYPE_TEXT)], text).into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "another metrics recorder was installed in this process\n",
        )
            .into_response(),
    }
}

/// True when the request carries `Authorization: Bearer <expected>`, compared in constant time.
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .is_some_and(|given| token_eq(expected, given.trim()))
}
