//! `httpJobHandler`: an operator describes a call in the job param, the executor makes it
//! (within the URLs it allows) and the run log shows the answer.

mod common;

use common::WebServer;
use jobwheel_executor::JobHandler;
use jobwheel_executor::testing::TestRun;
use jobwheel_executor_sample::handlers::{AllowList, HttpJobHandler};
use serde_json::json;

/// Runs `httpJobHandler` allowed to call `allow`; returns the outcome (failures as the admin
/// sees them) and the run log.
async fn call(allow: &str, param: &str) -> (Result<String, String>, String) {
    let handler = HttpJobHandler::new(allow.parse::<AllowList>().unwrap());
    let run = TestRun::builder()
        .handler_name("httpJobHandler")
        .param(param)
        .build()
        .unwrap();
    let outcome = run
        .run(|ctx| handler.execute(ctx))
        .await
        .map_err(|e| e.to_string());
    (outcome, run.log())
}

#[tokio::test]
async fn a_get_reaches_the_server_and_its_answer_lands_in_the_log() {
    let web = WebServer::start().await;
    let param = json!({"url": web.url("/echo"), "method": "get"}).to_string();

    let (outcome, log) = call(&web.server.base, &param).await;

    assert_eq!(outcome, Ok("HTTP 200 OK".to_string()));
    let seen = web.recorder.requests("/echo");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert!(seen[0].body.is_empty());
    assert!(log.contains(&format!("GET {}", web.url("/echo"))), "{log}");
    assert!(log.contains("status 200 OK, body: echo: "), "{log}");
}

#[tokio::test]
async fn a_post_carries_data_headers_cookies_auth_and_content_type() {
    let web = WebServer::start().await;
    let param = json!({
        "url": web.url("/echo"),
        "method": "POST",
        "contentType": "text/plain; charset=utf-8",
        "headers": {"X-Job": "nightly"},
        "cookies": {"a": "1", "b": "2"},
        "auth": "Bearer abc",
        "data": "hello body"
    })
    .to_string();

    let (outcome, log) = call(&web.server.base, &param).await;

    assert_eq!(outcome, Ok("HTTP 200 OK".to_string()));
    let request = &web.recorder.requests("/echo")[0];
    assert_eq!(request.method, "POST");
    assert_eq!(&request.body[..], b"hello body");
    assert_eq!(
        request.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(request.header("x-job"), Some("nightly"));
    assert_eq!(request.header("cookie"), Some("a=1; b=2"));
    assert_eq!(request.header("authorization"), Some("Bearer abc"));
    assert!(log.contains("body: echo: hello body"), "{log}");
}

#[tokio::test]
async fn data_is_json_unless_told_otherwise_and_post_is_the_default() {
    let web = WebServer::start().await;
    let param = json!({"url": web.url("/echo"), "data": "{\"a\":1}"}).to_string();

    let (outcome, _) = call(&web.server.base, &param).await;

    assert!(outcome.is_ok(), "{outcome:?}");
    let request = &web.recorder.requests("/echo")[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn a_form_is_sent_url_encoded() {
    let web = WebServer::start().await;
    let param = json!({"url": web.url("/echo"), "form": {"name": "a b", "n": "1"}}).to_string();

    let (outcome, _) = call(&web.server.base, &param).await;

    assert!(outcome.is_ok(), "{outcome:?}");
    let request = &web.recorder.requests("/echo")[0];
    assert_eq!(&request.body[..], b"n=1&name=a+b");
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
}

#[tokio::test]
async fn the_2x_line_format_still_works() {
    let web = WebServer::start().await;
    let param = format!("url: {}\nmethod: post\ndata: from 2.x", web.url("/echo"));

    let (outcome, log) = call(&web.server.base, &param).await;

    assert_eq!(outcome, Ok("HTTP 200 OK".to_string()));
    let request = &web.recorder.requests("/echo")[0];
    assert_eq!(request.method, "POST");
    assert_eq!(&request.body[..], b"from 2.x");
    assert!(log.contains("body: echo: from 2.x"), "{log}");
}

#[tokio::test]
async fn a_status_other_than_2xx_fails_the_run_and_the_body_is_logged() {
    let web = WebServer::start().await;
    let param = json!({"url": web.url("/status/503"), "method": "GET"}).to_string();

    let (outcome, log) = call(&web.server.base, &param).await;

    let failure = outcome.unwrap_err();
    assert!(failure.contains("answered HTTP 503"), "{failure}");
    assert!(
        log.contains("status 503 Service Unavailable, body: answered 503"),
        "{log}"
    );
}

#[tokio::test]
async fn a_server_that_does_not_answer_in_time_fails_the_run_with_a_timeout() {
    let web = WebServer::start().await;
    let param = json!({"url": web.url("/hang"), "method": "GET", "timeout": 300}).to_string();

    let started = std::time::Instant::now();
    let (outcome, _) = call(&web.server.base, &param).await;

    let failure = outcome.unwrap_err();
    assert!(failure.contains("timed out"), "{failure}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(web.recorder.requests("/hang").len(), 1);
}

#[tokio::test]
async fn bad_params_fail_with_a_message_the_operator_can_act_on() {
    let web = WebServer::start().await;
    let allow = &web.server.base;
    let bad_method = json!({"url": web.url("/echo"), "method": "G ET"}).to_string();
    for (param, expected) in [
        ("", "names no url"),
        ("{\"url\": ", "not valid httpJobHandler JSON"),
        (r#"{"url":"not a url"}"#, "is not a URL"),
        (&bad_method, "is not an HTTP method"),
    ] {
        let (outcome, _) = call(allow, param).await;
        let failure = outcome.unwrap_err();
        assert!(failure.contains(expected), "{param:?}: {failure}");
    }
    assert!(web.recorder.requests("/echo").is_empty());
}

#[tokio::test]
async fn by_default_no_url_may_be_called() {
    let web = WebServer::start().await;
    let param = json!({"url": web.url("/echo")}).to_string();

    let (outcome, _) = call("", &param).await;

    let failure = outcome.unwrap_err();
    assert!(failure.contains("JOBWHEEL_HTTP_ALLOW"), "{failure}");
    assert!(
        web.recorder.requests("/echo").is_empty(),
        "no request may leave"
    );
}

#[tokio::test]
async fn only_allowed_prefixes_are_called() {
    let web = WebServer::start().await;
    let allow = web.url("/status/");

    let (allowed, _) = call(&allow, &json!({"url": web.url("/status/204")}).to_string()).await;
    let (refused, _) = call(&allow, &json!({"url": web.url("/echo")}).to_string()).await;
    let (sneaky, _) = call(
        &allow,
        &json!({"url": web.url("/status/../echo")}).to_string(),
    )
    .await;

    assert_eq!(allowed, Ok("HTTP 204 No Content".to_string()));
    assert!(refused.unwrap_err().contains("is not allowed"));
    assert!(sneaky.unwrap_err().contains("is not allowed"));
    assert!(web.recorder.requests("/echo").is_empty());
}

#[tokio::test]
async fn a_redirect_cannot_leave_the_allowed_prefixes() {
    let web = WebServer::start().await;
    let allow = format!("{}, {}", web.url("/redirect"), web.url("/status/"));
    let hop = |to: &str| json!({"url": format!("{}?{to}", web.url("/redirect"))}).to_string();

    let (followed, _) = call(&allow, &hop(&web.url("/status/200"))).await;
    let (refused, _) = call(&allow, &hop(&web.url("/echo"))).await;

    assert_eq!(followed, Ok("HTTP 200 OK".to_string()));
    assert_eq!(web.recorder.requests("/status/200").len(), 1);
    let failure = refused.unwrap_err();
    assert!(failure.contains("redirect to"), "{failure}");
    assert!(web.recorder.requests("/echo").is_empty());
}
