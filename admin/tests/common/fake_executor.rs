//! Fake executors on real sockets, speaking the XXL-JOB executor protocol of a chosen
//! generation (or misbehaving on purpose), recording every request they receive.
//!
//! They are peers of the code under test, not stand-ins for it: the admin's client talks real
//! HTTP to them exactly as it talks to Java executors, pyxxl or the Jobwheel SDK.
#![allow(dead_code)] // each test binary uses a different part

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use jobwheel_executor::protocol::{
    ACCESS_TOKEN_HEADER, APPNAME_HEADER, LogRequest, LogResult, messages,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How a fake executor behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// A 2.x–3.4 Java executor: `/run`; unknown paths get HTTP 200 with
    /// `uri-mapping(<path>) not found`; `/log` payload in `content`.
    Legacy,
    /// A 3.5 executor as pyxxl-style servers answer: `/trigger`; unknown paths get HTTP 404;
    /// `/log` payload in `data`.
    V3_5,
    /// Accepts the connection and never answers.
    Hang,
    /// Answers `/run` with non-JSON, `/beat` with an empty body, `/kill` with HTTP 500,
    /// `/idleBeat` with JSON that is not an envelope, `/log` with a bad code.
    Broken,
}

/// What one request looked like.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub token: Option<String>,
    pub app_name: Option<String>,
    pub body: String,
}

struct Shared {
    behaviour: Mutex<Behaviour>,
    busy: bool,
    /// When set, 3.5-style auth: both headers must be present and equal these.
    auth: Option<(String, String)>,
    seen: Mutex<Vec<Seen>>,
}

/// A running fake executor; stops when dropped.
pub struct FakeExecutor {
    /// Base URL as executors register it, with trailing slash.
    pub address: String,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl FakeExecutor {
    /// An idle executor behaving as `behaviour`.
    pub async fn start(behaviour: Behaviour) -> Self {
        Self::spawn(behaviour, false, None).await
    }

    /// A legacy executor that is busy with every job (`/idleBeat` fails).
    pub async fn busy() -> Self {
        Self::spawn(Behaviour::Legacy, true, None).await
    }

    /// A 3.5 executor that checks `XXL-JOB-ACCESS-TOKEN` and `XXL-JOB-APPNAME`.
    pub async fn strict(token: &str, app_name: &str) -> Self {
        let auth = Some((token.to_string(), app_name.to_string()));
        Self::spawn(Behaviour::V3_5, false, auth).await
    }

    async fn spawn(behaviour: Behaviour, busy: bool, auth: Option<(String, String)>) -> Self {
        let shared = Arc::new(Shared {
            behaviour: Mutex::new(behaviour),
            busy,
            auth,
            seen: Mutex::default(),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}/", listener.local_addr().expect("local addr"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake executor serves");
        });
        Self {
            address,
            shared,
            server,
        }
    }

    /// Redeploys the executor as another generation, on the same address.
    pub fn become_(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().unwrap() = behaviour;
    }

    /// Every request so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// How many requests hit `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.seen().iter().filter(|s| s.path == path).count()
    }
}

impl Drop for FakeExecutor {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// An address where nothing listens (a port just released).
pub fn dead_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/")
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (token, app_name) = (header(ACCESS_TOKEN_HEADER), header(APPNAME_HEADER));
    shared.seen.lock().unwrap().push(Seen {
        path: path.clone(),
        token: token.clone(),
        app_name: app_name.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if let Some((want_token, want_app)) = &shared.auth {
        match (token, app_name) {
            (Some(t), Some(a)) if t.is_empty() || a.is_empty() => {
                return java(json!({"code": 500, "msg": messages::TOKEN_OR_APPNAME_EMPTY}));
            }
            (Some(t), Some(a)) if t == *want_token && a == *want_app => {}
            (None, _) | (_, None) => {
                return java(json!({"code": 500, "msg": messages::TOKEN_OR_APPNAME_EMPTY}));
            }
            _ => return java(json!({"code": 500, "msg": messages::TOKEN_OR_APPNAME_INVALID})),
        }
    }
    let behaviour = *shared.behaviour.lock().unwrap();
    match behaviour {
        Behaviour::Hang => std::future::pending().await,
        Behaviour::Broken => broken(&path),
        Behaviour::Legacy | Behaviour::V3_5 => executor(behaviour, shared.busy, &path, &body),
    }
}

fn executor(behaviour: Behaviour, busy: bool, path: &str, body: &[u8]) -> Response {
    let legacy = behaviour == Behaviour::Legacy;
    let trigger_path = if legacy { "/run" } else { "/trigger" };
    match path {
        "/beat" => java(json!({"code": 200})),
        "/idleBeat" if busy => java(json!({"code": 500, "msg": messages::JOB_BUSY})),
        "/idleBeat" => java(json!({"code": 200})),
        "/kill" => java(json!({"code": 200, "msg": messages::ALREADY_KILLED})),
        "/log" => {
            let request: LogRequest = serde_json::from_slice(body).unwrap_or_default();
            let result = LogResult {
                from_line_num: request.from_line_num,
                to_line_num: request.from_line_num + 1,
                log_content: Some(format!("log {} line\n", request.log_id)),
                is_end: false,
            };
            let key = if legacy { "content" } else { "data" };
            java(json!({"code": 200, key: result}))
        }
        p if p == trigger_path => java(json!({"code": 200})),
        other if legacy => java(json!({"code": 500, "msg": messages::uri_not_found(other)})),
        _ => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

fn broken(path: &str) -> Response {
    match path {
        "/run" | "/trigger" => java_text(StatusCode::OK, "<html>not json at all</html>"),
        "/beat" => java_text(StatusCode::OK, ""),
        "/kill" => java_text(StatusCode::INTERNAL_SERVER_ERROR, r#"{"code":200}"#),
        "/idleBeat" => java_text(StatusCode::OK, "[1,2,3]"),
        _ => java_text(StatusCode::OK, r#"{"code":"not a number"}"#),
    }
}

/// A reply as a Java executor sends it: HTTP 200, Gson JSON, `text/html` content type.
fn java(body: Value) -> Response {
    java_text(StatusCode::OK, &body.to_string())
}

fn java_text(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}
