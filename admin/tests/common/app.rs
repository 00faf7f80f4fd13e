//! The real admin (scheduler and `server::serve`) on 127.0.0.1:0 over a real store, and a
//! client that talks to it.

#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jobwheel_admin::Config;
use jobwheel_admin::app::AppState;
use jobwheel_admin::store::Store;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The bearer token test apps accept unless a test configures others.
pub const API_TOKEN: &str = "test-api-token";

/// A running admin API.
pub struct TestApp {
    /// `http://127.0.0.1:<port><context_path>`.
    pub base: String,
    /// The state the server runs with (its store, for setting up rows).
    pub state: AppState,
    /// A client.
    pub http: reqwest::Client,
    shutdown: CancellationToken,
}

impl TestApp {
    /// Serves over `store` with `api_tokens = [API_TOKEN]`, changed by `configure`.
    pub async fn start(store: Arc<dyn Store>, configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            api_tokens: vec![API_TOKEN.to_string()],
            listen: "127.0.0.1:0".parse().expect("address"),
            ..Config::default()
        };
        configure(&mut config);
        config.validate().expect("valid test config");
        let context = config.context_path.clone();
        let shutdown = CancellationToken::new();
        // As `main` does: the scheduler first, then the server with its dispatcher.
        let state = AppState::new(config, store);
        let scheduler =
            jobwheel_admin::schedule::spawn(&state, shutdown.clone()).expect("scheduler");
        let state = state.with_dispatcher(scheduler.dispatcher().clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let stop = shutdown.clone().cancelled_owned();
        tokio::spawn(jobwheel_admin::server::serve(state.clone(), listener, stop));
        Self {
            base: format!("http://{address}{context}"),
            state,
            http: reqwest::Client::new(),
            shutdown,
        }
    }

    /// A REST v1 request with the test bearer token.
    pub fn v1(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(API_TOKEN)
    }

    /// An executor API call: `POST {base}/api/{uri}` with a JSON body.
    pub fn executor(&self, uri: &str, body: &Value) -> RequestBuilder {
        self.http
            .post(format!("{}/api/{uri}", self.base))
            .header("Content-Type", "application/json")
            .body(body.to_string())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Sends and returns the status and the JSON body (`Null` when empty).
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, body)
}

/// Sends and expects a 400 naming `field`.
pub async fn expect_invalid(request: RequestBuilder, field: &str) -> Value {
    let (status, body) = send(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "validation", "{body}");
    assert_eq!(body["field"], field, "{body}");
    body
}

/// Polls `check` until it returns `Some`, for at most `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Turns each `async fn story(store: Arc<dyn Store>)` into a test that runs it on every
/// store available (SQLite; MariaDB too when `JOBWHEEL_TEST_MYSQL_URL` is set).
#[macro_export]
macro_rules! on_every_store {
    ($($story:ident),* $(,)?) => {
        mod on_every_store {
            $(
                #[tokio::test]
                async fn $story() {
                    for (name, test_store) in $crate::common::each_store().await {
                        eprintln!("{} on {name}", stringify!($story));
                        super::$story(test_store.store.clone()).await;
                    }
                }
            )*
        }
    };
}
