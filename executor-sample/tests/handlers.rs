//! The sample handlers as an operator meets them: what each one logs and reports, and how
//! the dangerous or slow ones behave inside a real executor.

mod common;

use std::time::Duration;

use common::{FakeAdmin, SampleExecutor, read_log, trigger};
use jobwheel_executor::JobLogLayer;
use jobwheel_executor::protocol::{CODE_FAIL, CODE_SUCCESS, CODE_TIMEOUT, messages};
use jobwheel_executor::testing::TestRun;
use jobwheel_executor_sample::handlers::{self, Options};
use serde_json::json;
use tracing_subscriber::prelude::*;

fn run_with(param: &str) -> TestRun {
    TestRun::builder().param(param).build().unwrap()
}

#[tokio::test(start_paused = true)]
async fn demo_logs_its_beats_and_its_tracing_events_then_succeeds() {
    let _tracing =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(JobLogLayer::new()));
    let run = run_with("hi");

    let outcome = run.run(handlers::demo).await;

    assert_eq!(outcome.unwrap(), "demo done");
    let log = run.log();
    assert!(log.contains("XXL-JOB, Hello World. param: \"hi\""), "{log}");
    for beat in 0..5 {
        assert!(log.contains(&format!("beat at: {beat}")), "{log}");
    }
    assert!(log.contains("INFO demoJobHandler finished"), "{log}");
}

#[tokio::test]
async fn sharding_logs_which_shard_is_mine() {
    let run = TestRun::builder().shard(1, 3).build().unwrap();

    let outcome = run.run(handlers::sharding).await;

    assert_eq!(outcome.unwrap(), "shard 1/3");
    let log = run.log();
    assert!(
        log.contains("sharding parameters: index = 1, total = 3"),
        "{log}"
    );
    assert!(log.contains("shard 0: skipped"), "{log}");
    assert!(log.contains("shard 1: mine, processing"), "{log}");
    assert!(log.contains("shard 2: skipped"), "{log}");
}

#[tokio::test]
async fn failing_always_fails_and_says_so() {
    let run = run_with("x");

    let failure = run.run(handlers::failing).await.unwrap_err().to_string();

    assert_eq!(failure, "failingJobHandler always fails (param: \"x\")");
    assert!(run.log().contains("about to fail"));
}

#[tokio::test(start_paused = true)]
async fn slow_sleeps_as_many_seconds_as_its_param_says() {
    let run = run_with("3");

    let outcome = run.run(handlers::slow).await;

    assert_eq!(outcome.unwrap(), "slept 3 s");
    let log = run.log();
    assert!(log.contains("still working: 3/3 s"), "{log}");
    assert!(!log.contains("4/"), "{log}");
}

#[tokio::test]
async fn command_output_lands_in_the_run_log() {
    let run = run_with("echo hello from a command");

    let outcome = run.run(handlers::command).await;

    assert_eq!(outcome.unwrap(), "");
    assert!(run.log().contains("hello from a command"), "{}", run.log());
}

#[tokio::test]
async fn command_exit_code_other_than_zero_fails_the_run() {
    let run = run_with("ls /nonexistent/dir");

    let failure = run.run(handlers::command).await.unwrap_err().to_string();

    assert_eq!(failure, "command exit value(2) is failed");
    let log = run.log();
    assert!(
        log.contains("/nonexistent/dir"),
        "stderr is logged too: {log}"
    );
}

#[tokio::test]
async fn command_that_cannot_start_or_is_empty_fails_clearly() {
    let missing = run_with("/nonexistent/program");
    let failure = missing
        .run(handlers::command)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        failure.starts_with("cannot run `/nonexistent/program`"),
        "{failure}"
    );

    let empty = run_with("  ");
    let failure = empty.run(handlers::command).await.unwrap_err().to_string();
    assert!(failure.contains("must be a command line"), "{failure}");
}

#[tokio::test]
async fn command_is_off_unless_the_app_enables_it() {
    let admin = FakeAdmin::start().await;
    let dir = tempfile::tempdir().unwrap();
    let off = SampleExecutor::start(admin.base(), dir.path(), Options::default()).await;

    let reply = off
        .post("/run", trigger(1, 1, "commandJobHandler", "touch x", 0))
        .await;

    assert_eq!(reply["code"], CODE_FAIL);
    assert_eq!(
        reply["msg"],
        messages::handler_not_found("commandJobHandler")
    );
    off.stop().await;

    let on = SampleExecutor::start(
        admin.base(),
        dir.path(),
        Options {
            enable_command: true,
            ..Options::default()
        },
    )
    .await;
    let reply = on
        .post("/run", trigger(1, 2, "commandJobHandler", "true", 0))
        .await;
    assert_eq!(reply["code"], CODE_SUCCESS);
    assert_eq!(admin.result(2).await.handle_code, CODE_SUCCESS);
    on.stop().await;
}

#[tokio::test]
async fn slow_is_stopped_by_a_kill_from_the_admin() {
    let admin = FakeAdmin::start().await;
    let dir = tempfile::tempdir().unwrap();
    let executor = SampleExecutor::start(admin.base(), dir.path(), Options::default()).await;
    let http = reqwest::Client::new();
    let body = trigger(5, 50, "slowJobHandler", "300", 0);
    let log_date_time = body["logDateTime"].as_i64().unwrap();

    executor.post("/run", body).await;
    // Running for real: wait for its first logged second before killing it.
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while !read_log(&http, &executor.base, log_date_time, 50)
        .await
        .contains("still working: 1/300 s")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "slowJobHandler never ran"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reply = executor.post("/kill", json!({"jobId": 5})).await;

    assert_eq!(reply["code"], CODE_SUCCESS, "{reply}");
    let result = admin.result(50).await;
    assert_eq!(result.handle_code, CODE_FAIL);
    assert_eq!(
        result.handle_msg.as_deref(),
        Some("scheduling center kill job. [job running, killed]")
    );
    executor.stop().await;
}

#[tokio::test]
async fn slow_is_stopped_by_the_jobs_timeout() {
    let admin = FakeAdmin::start().await;
    let dir = tempfile::tempdir().unwrap();
    let executor = SampleExecutor::start(admin.base(), dir.path(), Options::default()).await;

    executor
        .post("/run", trigger(6, 60, "slowJobHandler", "300", 1))
        .await;

    let result = admin.result(60).await;
    assert_eq!(result.handle_code, CODE_TIMEOUT);
    assert!(
        result
            .handle_msg
            .as_deref()
            .is_some_and(|m| m.starts_with(messages::TIMEOUT)),
        "{result:?}"
    );
    executor.stop().await;
}
