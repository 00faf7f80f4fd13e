//! The admin's HTTP client for executors: `/run` or `/trigger`, `/beat`, `/idleBeat`, `/kill`,
//! `/log` (shared/PROTOCOL.md §1.4, §11.2).
//!
//! Executors of three protocol generations answer here, so the client is tolerant where
//! XXL-JOB is brittle:
//! * it sends both auth headers, `XXL-JOB-ACCESS-TOKEN` (legacy and 3.5) and
//!   `XXL-JOB-APPNAME` (required by 3.5, ignored before);
//! * it finds out per address whether the executor triggers on `/run` (≤ 3.4) or `/trigger`
//!   (3.5) and remembers the answer, unless the group's protocol is configured;
//! * it reads a reply's payload from `data` (≥ 3.3) or else `content` (≤ 3.2) and always
//!   hands it back in `data`;
//! * every failure (refused, timed out, HTTP ≠ 200, empty or unparsable body) becomes a
//!   code-500 [`WireResponse`] whose `msg` says what happened, because a failed call is a
//!   trigger result to record, not an error to propagate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jobwheel_executor::protocol::{
    ACCESS_TOKEN_HEADER, APPNAME_HEADER, JobIdParam, LogRequest, LogResult, ProtocolGeneration,
    TriggerParam, WireResponse, executor_paths,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::executor_urls::ExecutorUrls;
use super::route::ExecutorProbe;
use crate::Result;

/// How long an idle pooled connection is kept. Java executors close connections idle for
/// 90 s; dropping ours well before avoids sending on a socket the executor is closing.
const POOL_IDLE: Duration = Duration::from_secs(60);

/// How much of an unparsable body a failure message quotes.
const BODY_EXCERPT: usize = 200;

/// One executor to call, and how to authenticate to it.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The executor's base URL as registered, with or without a trailing slash.
    pub address: &'a str,
    /// The group's app name, sent as `XXL-JOB-APPNAME` (3.5 executors require it).
    pub app_name: &'a str,
    /// The group's token (3.5: per group); `None` or blank uses the client's default.
    pub access_token: Option<&'a str>,
    /// The group's configured protocol; `None` detects it per address.
    pub protocol: Option<ProtocolGeneration>,
}

/// HTTP client for executors: one keep-alive pool shared by every call of the admin.
///
/// It is hyper's pooled client rather than reqwest: reqwest re-parses each request's URL
/// for its redirect policy and again for the response, which with its other layers was
/// 9 % of the admin's instructions per fire (callgrind, BENCHMARKS.md "What was changed"
/// 11); executors are called on fixed plain-HTTP addresses and never redirect. Like
/// reqwest, hyper's pool resends a request that a pooled connection closed before it was
/// sent (never one the executor may have received).
///
/// Clones share the pool and the per-address protocol cache.
#[derive(Debug, Clone)]
pub struct ExecutorClient {
    http: Client<HttpConnector, Full<Bytes>>,
    default_access_token: Option<String>,
    timeout: Duration,
    /// Trigger protocol learned per address (normalised without trailing slash).
    generations: Arc<Mutex<HashMap<String, ProtocolGeneration>>>,
    /// Endpoint URLs parsed once per address and path.
    urls: Arc<ExecutorUrls>,
}

/// One HTTP exchange: the status when a response arrived, and the reply as the caller sees it.
struct Exchange<T> {
    status: Option<StatusCode>,
    /// True when `reply` is the executor's own envelope, false when we wrote it.
    enveloped: bool,
    reply: WireResponse<T>,
}

impl ExecutorClient {
    /// A client whose calls each take at most `timeout` (connecting included).
    ///
    /// `default_access_token` is sent to executors whose group has no token of its own.
    /// Proxies from the environment are ignored: executors are called directly, as XXL-JOB
    /// does.
    pub fn new(default_access_token: Option<String>, timeout: Duration) -> Result<Self> {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.set_nodelay(true);
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE)
            .build(connector);
        Ok(Self {
            http,
            default_access_token: default_access_token.filter(|t| !t.trim().is_empty()),
            timeout,
            generations: Arc::default(),
            urls: Arc::default(),
        })
    }

    /// A client as configured: the admin's access token and executor timeout.
    pub fn from_config(config: &crate::Config) -> Result<Self> {
        Self::new(config.access_token.clone(), config.executor_timeout())
    }

    /// Triggers a run: `POST /run` (legacy) or `/trigger` (3.5) with the [`TriggerParam`].
    ///
    /// With `target.protocol` set, that path is used and nothing is detected. Otherwise the
    /// path learned for this address is tried (legacy `/run` until learned otherwise); if the
    /// executor says the path does not exist (HTTP 404, or XXL-JOB's
    /// `uri-mapping(<path>) not found`), the other path is tried and remembered.
    pub async fn run(
        &self,
        target: &Target<'_>,
        param: &TriggerParam,
    ) -> WireResponse<serde_json::Value> {
        if let Some(generation) = target.protocol {
            return self
                .post(target, generation.trigger_path(), param)
                .await
                .reply;
        }
        let guess = self.generation(target.address);
        let first = self.post(target, guess.trigger_path(), param).await;
        if !path_missing(&first, guess.trigger_path()) {
            return first.reply;
        }
        let other = other_generation(guess);
        let second = self.post(target, other.trigger_path(), param).await;
        if path_missing(&second, other.trigger_path()) {
            return WireResponse::fail(format!(
                "executor {} serves neither {} nor {}: {}",
                target.address,
                guess.trigger_path(),
                other.trigger_path(),
                second.reply.msg.unwrap_or_default()
            ));
        }
        tracing::info!(
            address = target.address,
            path = other.trigger_path(),
            "executor protocol detected"
        );
        self.remember(target.address, other);
        second.reply
    }

    /// `POST /beat`: liveness. The body is `""`, as legacy admins send it.
    pub async fn beat(&self, target: &Target<'_>) -> WireResponse<serde_json::Value> {
        self.post(target, executor_paths::BEAT, "").await.reply
    }

    /// `POST /idleBeat {jobId}`: success when the executor is not busy with the job.
    pub async fn idle_beat(
        &self,
        target: &Target<'_>,
        job_id: i32,
    ) -> WireResponse<serde_json::Value> {
        let body = JobIdParam { job_id };
        self.post(target, executor_paths::IDLE_BEAT, &body)
            .await
            .reply
    }

    /// `POST /kill {jobId}`: stop the job's running and queued runs.
    pub async fn kill(&self, target: &Target<'_>, job_id: i32) -> WireResponse<serde_json::Value> {
        let body = JobIdParam { job_id };
        self.post(target, executor_paths::KILL, &body).await.reply
    }

    /// `POST /log`: a run's log from a line on. The request carries both `logDateTim` and
    /// `logDateTime`; the reply's [`LogResult`] is in `data` whichever key the executor used.
    pub async fn log(&self, target: &Target<'_>, request: &LogRequest) -> WireResponse<LogResult> {
        self.post(target, executor_paths::LOG, request).await.reply
    }

    /// The FAILOVER/BUSYOVER probe of one executor group, over this client.
    pub fn probe<'a>(
        &'a self,
        app_name: &'a str,
        access_token: Option<&'a str>,
    ) -> impl ExecutorProbe + 'a {
        GroupProbe {
            client: self,
            app_name,
            access_token,
        }
    }

    /// The trigger protocol this client currently assumes for `address`.
    pub fn generation(&self, address: &str) -> ProtocolGeneration {
        let cache = self
            .generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        cache.get(cache_key(address)).copied().unwrap_or_default()
    }

    fn remember(&self, address: &str, generation: ProtocolGeneration) {
        let mut cache = self
            .generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        cache.insert(cache_key(address).to_string(), generation);
    }

    /// POSTs `body` as JSON to `address + path` and turns whatever happens into a reply.
    async fn post<B, T>(&self, target: &Target<'_>, path: &'static str, body: &B) -> Exchange<T>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned + Default,
    {
        let url = match self.urls.get(cache_key(target.address), path) {
            Ok(url) => url,
            Err(wrong) => return Exchange::failed(None, format!("executor call failed: {wrong}")),
        };
        let request = match self.request(target, url.clone(), body) {
            Ok(request) => request,
            Err(e) => return Exchange::failed(None, format!("executor call {url} failed: {e}")),
        };
        let (status, bytes) = match tokio::time::timeout(self.timeout, self.send(request)).await {
            Ok(Ok(answer)) => answer,
            Ok(Err((status, failure))) => {
                return Exchange::failed(status, format!("executor call {url} {failure}"));
            }
            Err(_) => {
                let waited = self.timeout.as_millis();
                return Exchange::failed(
                    None,
                    format!("executor call {url} timed out after {waited} ms"),
                );
            }
        };
        if status != StatusCode::OK {
            return Exchange::failed(
                Some(status),
                format!("executor {url} answered HTTP {status}: {}", excerpt(&bytes)),
            );
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Exchange::failed(
                Some(status),
                format!("executor {url} answered an empty body"),
            );
        }
        match serde_json::from_slice::<WireResponse<T>>(&bytes) {
            Ok(reply) => Exchange {
                status: Some(status),
                enveloped: true,
                reply: payload_in_data(reply),
            },
            Err(e) => Exchange::failed(
                Some(status),
                format!(
                    "executor {url} answered an unparsable body ({e}): {}",
                    excerpt(&bytes)
                ),
            ),
        }
    }

    /// The token for `target`: its own unless blank, else the client's default.
    fn token_for<'a>(&'a self, target: &Target<'a>) -> Option<&'a str> {
        target
            .access_token
            .filter(|t| !t.trim().is_empty())
            .or(self.default_access_token.as_deref())
    }

    /// The POST of `body` as JSON to `url`, with the target's auth headers.
    fn request<B: Serialize + ?Sized>(
        &self,
        target: &Target<'_>,
        url: Uri,
        body: &B,
    ) -> std::result::Result<Request<Full<Bytes>>, String> {
        let json = serde_json::to_vec(body).map_err(|e| format!("cannot encode the body: {e}"))?;
        let mut request = Request::post(url).header(CONTENT_TYPE, JSON);
        if let Some(token) = self.token_for(target) {
            request = request.header(ACCESS_TOKEN_HEADER, token);
        }
        if !target.app_name.is_empty() {
            request = request.header(APPNAME_HEADER, target.app_name);
        }
        request
            .body(Full::new(Bytes::from(json)))
            .map_err(|e| format!("cannot build the request: {e}"))
    }

    /// Sends `request` and reads the whole answer; a failure is worded so that an operator
    /// reading the trigger message can act, with the status if one arrived.
    async fn send(
        &self,
        request: Request<Full<Bytes>>,
    ) -> std::result::Result<(StatusCode, Bytes), (Option<StatusCode>, String)> {
        let response = self.http.request(request).await.map_err(|e| {
            let what = if e.is_connect() {
                "could not connect"
            } else {
                "failed"
            };
            (None, format!("{what}: {}", error_chain(&e)))
        })?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| {
            let chain = error_chain(&e);
            (Some(status), format!("failed reading the answer: {chain}"))
        })?;
        Ok((status, body.to_bytes()))
    }
}

/// The content type of every call.
const JSON: HeaderValue = HeaderValue::from_static("application/json");

impl<T> Exchange<T> {
    fn failed(status: Option<StatusCode>, msg: String) -> Self {
        Self {
            status,
            enveloped: false,
            reply: WireResponse::fail(msg),
        }
    }
}

/// The adapter that lets the probing routers call executors of one group.
struct GroupProbe<'a> {
    client: &'a ExecutorClient,
    app_name: &'a str,
    access_token: Option<&'a str>,
}

impl<'a> GroupProbe<'a> {
    fn target<'b>(&'b self, address: &'b str) -> Target<'b> {
        Target {
            address,
            app_name: self.app_name,
            access_token: self.access_token,
            protocol: None,
        }
    }
}

#[async_trait]
impl ExecutorProbe for GroupProbe<'_> {
    async fn beat(&self, address: &str) -> WireResponse<serde_json::Value> {
        self.client.beat(&self.target(address)).await
    }

    async fn idle_beat(&self, address: &str, job_id: i32) -> WireResponse<serde_json::Value> {
        self.client.idle_beat(&self.target(address), job_id).await
    }
}

/// True when the executor said it has no such path: HTTP 404 (pyxxl, other non-Java ports)
/// or a 200 with XXL-JOB's `uri-mapping(<path>) not found`.
fn path_missing<T>(exchange: &Exchange<T>, path: &str) -> bool {
    if exchange.status == Some(StatusCode::NOT_FOUND) {
        return true;
    }
    // Most replies carry no message at all: the needle is only written for one that does.
    exchange.enveloped
        && exchange
            .reply
            .msg
            .as_deref()
            .is_some_and(|msg| msg.contains(&format!("uri-mapping({path}) not found")))
}

fn other_generation(generation: ProtocolGeneration) -> ProtocolGeneration {
    match generation {
        ProtocolGeneration::Legacy => ProtocolGeneration::V3_5,
        ProtocolGeneration::V3_5 => ProtocolGeneration::Legacy,
    }
}

/// The address without surrounding blanks or trailing slashes: the base every path is
/// appended to, and the key of the protocol cache (`http://h:9999/` and `http://h:9999` are
/// one executor).
fn cache_key(address: &str) -> &str {
    address.trim().trim_end_matches('/')
}

/// Moves a G1 payload (`content`) into `data`, so callers read one place.
fn payload_in_data<T>(mut reply: WireResponse<T>) -> WireResponse<T> {
    let payload = reply.data.take().or(reply.content.take());
    reply.data = payload;
    reply
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut cut: String = text.chars().take(BODY_EXCERPT).collect();
    if text.chars().count() > BODY_EXCERPT {
        cut.push('…');
    }
    cut
}

/// The causes of an HTTP client error. Its own text ("client error (Connect)") says little;
/// what went wrong is in the sources.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    if causes.is_empty() {
        error.to_string()
    } else {
        causes.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_and_without_trailing_slash_are_one_executor() {
        assert_eq!(cache_key("http://h:9999/"), "http://h:9999");
        assert_eq!(cache_key(" http://h:9999 "), "http://h:9999");
    }

    #[test]
    fn legacy_payload_moves_into_data() {
        let reply = WireResponse {
            code: 200,
            msg: None,
            content: Some(1),
            data: None,
        };
        let moved = payload_in_data(reply);
        assert_eq!((moved.data, moved.content), (Some(1), None));
    }

    #[test]
    fn excerpts_are_bounded() {
        let long = "x".repeat(1000);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), BODY_EXCERPT + 1);
        assert_eq!(excerpt(b"short"), "short");
    }

    #[tokio::test]
    async fn an_address_that_is_no_url_is_a_failed_call_that_says_so() {
        let client = ExecutorClient::new(None, Duration::from_secs(1)).unwrap();
        let target = Target {
            address: "executor-without-scheme",
            app_name: "app",
            access_token: None,
            protocol: None,
        };
        let reply = client.beat(&target).await;
        assert_eq!(reply.code, 500);
        let msg = reply.msg.unwrap_or_default();
        assert!(
            msg.contains("executor-without-scheme/beat is not a URL"),
            "{msg}"
        );
    }

    #[test]
    fn blank_target_tokens_fall_back_to_the_default() {
        let client = ExecutorClient::new(Some("global".into()), Duration::from_secs(1)).unwrap();
        let mut target = Target {
            address: "http://h/",
            app_name: "app",
            access_token: Some(" "),
            protocol: None,
        };
        assert_eq!(client.token_for(&target), Some("global"));
        target.access_token = Some("own");
        assert_eq!(client.token_for(&target), Some("own"));
        let anonymous = ExecutorClient::new(Some("".into()), Duration::from_secs(1)).unwrap();
        target.access_token = None;
        assert_eq!(anonymous.token_for(&target), None);
    }
}
