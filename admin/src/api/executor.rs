//! The API executors call: `POST api/registry`, `api/registryRemove`, `api/callback`
//! (PROTOCOL.md §2.2–2.4, §11.2), for executors of every generation (2.2 … 3.5).
//!
//! It behaves like XXL-JOB's dispatcher, because executors match its replies: every answer
//! is HTTP 200 with `{"code","msg","content","data"}` (nulls included), failures are code
//! 500 with the protocol's words, and the checks run in its order: method, body, token,
//! uri. Unlike XXL-JOB the work is done before answering (a heartbeat or a result is one
//! small write), so a success means it is stored and a failure makes the executor retry.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use jobwheel_executor::protocol::{
    ACCESS_TOKEN_HEADER, APPNAME_HEADER, AdminApiReply, CallbackBody, RegistryParam, messages,
};

use crate::api::auth::token_eq;
use crate::api::extract::{body_bytes, parse_json};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::lifecycle::RunResult;
use crate::service::registry;

/// One executor call, parsed.
enum Call {
    Registry(RegistryParam),
    RegistryRemove(RegistryParam),
    Callback(CallbackBody),
    Unknown(String),
}

/// Whom a token admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The cluster-wide token (or no token configured anywhere): any group.
    AnyGroup,
    /// Only this group's token: its own registrations and its own jobs' results.
    Group(i32),
}

/// `{context}/api/{uri}`, any method (a GET gets the protocol's refusal, not a 405).
/// A body over the route's limit is the one non-200: a JSON 413 (executors retry any
/// failure, and a smaller batch is what gets through).
pub async fn dispatch(
    State(state): State<AppState>,
    Path(uri): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<AdminApiReply>> {
    let body = body_bytes(body)?;
    Ok(Json(
        match handle(&state, &uri, &method, &headers, &body).await {
            Ok(()) => AdminApiReply::success(),
            Err(Refusal(msg)) => AdminApiReply::fail(msg),
        },
    ))
}

/// A reply with code 500 and this message.
struct Refusal(String);

impl From<Error> for Refusal {
    fn from(error: Error) -> Self {
        tracing::error!(%error, "executor API call failed");
        Refusal("openapi invoke error: internal error; see the admin's log".to_string())
    }
}

async fn handle(
    state: &AppState,
    uri: &str,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Refusal> {
    if method != Method::POST {
        return Err(Refusal(messages::METHOD_NOT_SUPPORTED.to_string()));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal(messages::BODY_EMPTY.to_string()));
    }
    let call = parse(uri, body)?;
    let scope = authorize(state, headers, &call).await?;
    match call {
        Call::Registry(param) => {
            check_registry(&param)?;
            registry::beat(state, &param).await?;
        }
        Call::RegistryRemove(param) => {
            check_registry(&param)?;
            registry::remove(state, &param).await?;
        }
        Call::Callback(body) => callback(state, scope, body).await?,
        Call::Unknown(uri) => return Err(Refusal(messages::uri_not_found(&uri))),
    }
    Ok(())
}

fn parse(uri: &str, body: &[u8]) -> Result<Call, Refusal> {
    let invalid = |e: Error| Refusal(format!("invalid request, requestBody invalid: {e}"));
    Ok(match uri {
        "registry" => Call::Registry(parse_json(body).map_err(invalid)?),
        "registryRemove" => Call::RegistryRemove(parse_json(body).map_err(invalid)?),
        "callback" => Call::Callback(parse_json(body).map_err(invalid)?),
        other => Call::Unknown(other.to_string()),
    })
}

fn check_registry(param: &RegistryParam) -> Result<(), Refusal> {
    if param.has_blank_field() {
        return Err(Refusal(messages::ILLEGAL_ARGUMENT.to_string()));
    }
    Ok(())
}

/// Checks the caller's token.
///
/// Legacy executors (≤ 3.4) send only `XXL-JOB-ACCESS-TOKEN`, compared with the configured
/// `access_token`. 3.5 executors also send `XXL-JOB-APPNAME`, and their token may instead be
/// their group's `access_token`; a registration is keyed by its `registryKey` too, so a
/// legacy executor can use a per-group token. With no token configured, for the cluster or
/// the group, the call is accepted (the admin warned about it at start-up).
async fn authorize(state: &AppState, headers: &HeaderMap, call: &Call) -> Result<Scope, Refusal> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let header_app = header(APPNAME_HEADER);
    let refusal = || {
        Refusal(
            if header_app.is_some() {
                messages::TOKEN_OR_APPNAME_INVALID
            } else {
                messages::ACCESS_TOKEN_WRONG
            }
            .to_string(),
        )
    };
    let app_name = match call {
        Call::Registry(p) | Call::RegistryRemove(p) => {
            // A registration speaks for its registryKey; a header naming another app is a
            // mismatch, not a second identity.
            if header_app.is_some_and(|h| h != p.registry_key.trim()) {
                return Err(refusal());
            }
            Some(p.registry_key.trim()).filter(|k| !k.is_empty())
        }
        Call::Callback(_) | Call::Unknown(_) => header_app,
    };
    // The cluster token admits any group, so the group is only read when it is not given:
    // executors holding the cluster token (the usual set-up) cost no database read here,
    // and they send a heartbeat every 30 s and results many times a second.
    let global = state.config.access_token.as_deref();
    let given = header(ACCESS_TOKEN_HEADER).unwrap_or_default();
    if global.is_some_and(|t| token_eq(t, given)) {
        return Ok(Scope::AnyGroup);
    }
    let group = match app_name {
        Some(app) => state.store.get_group_by_app_name(app).await?,
        None => None,
    };
    let group_token = group
        .as_ref()
        .and_then(|g| g.access_token.as_deref())
        .filter(|t| !t.trim().is_empty());
    if global.is_none() && group_token.is_none() {
        return Ok(Scope::AnyGroup);
    }
    match (group.as_ref(), group_token) {
        (Some(g), Some(t)) if token_eq(t, given) => Ok(Scope::Group(g.id)),
        _ => Err(refusal()),
    }
}

/// Completes each reported run. Results for runs of other groups than the caller's token
/// admits are skipped (a group token must not finish, and so chain, another group's jobs).
///
/// The batch is written together with the batches of other executors' concurrent
/// callbacks, in a few statements (the [`Completer`](crate::service::completer::Completer)),
/// not a round trip and a commit per result: busy executors report thousands a second. Any
/// error makes the executor resend the batch, which is harmless because the first result
/// of a run wins.
async fn callback(state: &AppState, scope: Scope, body: CallbackBody) -> Result<()> {
    let results: Vec<RunResult> = body
        .items
        .into_iter()
        .map(|item| RunResult {
            log_id: item.log_id,
            handle_code: item.handle_code,
            handle_msg: item.handle_msg,
        })
        .collect();
    let group = match scope {
        Scope::AnyGroup => None,
        Scope::Group(group) => Some(group),
    };
    state.completer.complete(state, results, group).await?;
    Ok(())
}
