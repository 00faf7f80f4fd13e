//! The executor's HTTP endpoints, as every generation of admin calls them (PROTOCOL.md §1).
//!
//! One dispatcher handles every request in XXL-JOB's order: method, then auth, then the URI.
//! Routing ignores the query string (XXL-JOB does not, which only makes it stricter). Every
//! reply is HTTP 200 with a JSON envelope, even failures, because admins read `code`, except a
//! body over 5 MiB, which is refused with 413 before it is read in full.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::joblog::JobLogStore;
use crate::protocol::{
    ACCESS_TOKEN_HEADER, APPNAME_HEADER, CODE_SUCCESS, JobIdParam, LogRequest, TriggerParam,
    WireResponse, executor_paths, messages,
};
use crate::runner::Runner;

/// Largest request accepted, as XXL-JOB's Netty aggregator.
pub const MAX_REQUEST_BYTES: usize = 5 * 1024 * 1024;

/// Who may call this executor.
#[derive(Debug, Clone)]
pub(crate) struct Auth {
    /// `None`: every caller is accepted (warned about loudly at start).
    pub token: Option<String>,
    pub app_name: String,
    /// Require `XXL-JOB-APPNAME` (3.5 behaviour) instead of checking it only when present.
    pub require_appname: bool,
}

impl Auth {
    /// Checks the auth headers; the error is the protocol's reply text.
    fn check(&self, headers: &HeaderMap) -> Result<(), &'static str> {
        let value = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let token = value(ACCESS_TOKEN_HEADER);
        let app_name = value(APPNAME_HEADER);
        if self.require_appname && (app_name.is_none() || (self.token.is_some() && token.is_none()))
        {
            return Err(messages::TOKEN_OR_APPNAME_EMPTY);
        }
        if let Some(expected) = &self.token
            && !equal(token.unwrap_or(""), expected)
        {
            return Err(if self.require_appname {
                messages::TOKEN_OR_APPNAME_INVALID
            } else {
                messages::ACCESS_TOKEN_WRONG
            });
        }
        match app_name {
            Some(app_name) if !equal(app_name, &self.app_name) => {
                Err(messages::TOKEN_OR_APPNAME_INVALID)
            }
            _ => Ok(()),
        }
    }
}

/// Compares secrets in time independent of where they differ.
fn equal(given: &str, expected: &str) -> bool {
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

#[derive(Clone)]
pub(crate) struct ServerState {
    pub runner: Runner,
    pub logs: JobLogStore,
    pub auth: Arc<Auth>,
}

/// The executor's router: every path goes to [`dispatch`].
pub(crate) fn router(state: ServerState) -> Router {
    Router::new()
        .fallback(dispatch)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(state)
}

async fn dispatch(
    State(state): State<ServerState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if method != Method::POST {
        return reply(WireResponse::<()>::fail(messages::METHOD_NOT_SUPPORTED));
    }
    if let Err(msg) = state.auth.check(&headers) {
        return reply(WireResponse::<()>::fail(msg));
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let mut response = reply(WireResponse::<()>::fail(format!(
                "invalid request, {}",
                rejection.body_text()
            )));
            *response.status_mut() = rejection.status();
            return response;
        }
    };
    match uri.path() {
        executor_paths::BEAT => reply(WireResponse::<()>::success()),
        executor_paths::IDLE_BEAT => with_json(&body, |p: JobIdParam| {
            if state.runner.is_busy(p.job_id) {
                reply(WireResponse::<()>::fail(messages::JOB_BUSY))
            } else {
                reply(WireResponse::<()>::success())
            }
        }),
        executor_paths::RUN | executor_paths::TRIGGER => {
            with_json(&body, |p: TriggerParam| match state.runner.trigger(p) {
                Ok(()) => reply(WireResponse::<()>::success()),
                Err(msg) => reply(WireResponse::<()>::fail(msg)),
            })
        }
        executor_paths::KILL => with_json(&body, |p: JobIdParam| {
            if state.runner.kill(p.job_id) {
                reply(WireResponse::<()>::success())
            } else {
                // G1 admins show `msg`, G3 admins `data`: the text goes in both.
                reply(WireResponse {
                    code: CODE_SUCCESS,
                    msg: Some(messages::ALREADY_KILLED.to_string()),
                    content: None,
                    data: Some(messages::ALREADY_KILLED.to_string()),
                })
            }
        }),
        executor_paths::LOG => match parse::<LogRequest>(&body) {
            Err(msg) => reply(WireResponse::<()>::fail(msg)),
            Ok(request) => {
                let logs = state.logs.clone();
                let read = tokio::task::spawn_blocking(move || {
                    logs.read(request.log_date_time, request.log_id, request.from_line_num)
                })
                .await;
                match read {
                    Ok(result) => reply(WireResponse::with_payload(result)),
                    Err(e) => reply(WireResponse::<()>::fail(format!("request error:{e}"))),
                }
            }
        },
        other => reply(WireResponse::<()>::fail(messages::uri_not_found(other))),
    }
}

/// Parses the body as `T` and hands it to `f`, or answers the parse error.
fn with_json<T: DeserializeOwned>(body: &[u8], f: impl FnOnce(T) -> Response) -> Response {
    match parse(body) {
        Ok(value) => f(value),
        Err(msg) => reply(WireResponse::<()>::fail(msg)),
    }
}

/// Gson's failures surface as `request error:<exception>`; ours say what serde found.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("request error:{e}"))
}

/// HTTP 200, `application/json;charset=UTF-8`, the envelope with nulls omitted.
fn reply<T: Serialize>(body: WireResponse<T>) -> Response {
    let json = serde_json::to_vec(&body).unwrap_or_else(|_| br#"{"code":500}"#.to_vec());
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        )],
        json,
    )
        .into_response()
}
