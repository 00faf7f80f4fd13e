//! The admin calls executors of every protocol generation over real HTTP, and every way a
//! call can go wrong comes back as a code-500 reply that says what happened.

mod common {
    pub mod fake_executor;
}

use std::time::{Duration, Instant};

use common::fake_executor::{Behaviour, FakeExecutor, dead_address};
use jobwheel_admin::dispatch::{ExecutorClient, Target};
use jobwheel_executor::protocol::{
    LogRequest, ProtocolGeneration, TriggerParam, WireResponse, messages,
};
use serde_json::Value;

fn client() -> ExecutorClient {
    ExecutorClient::new(None, Duration::from_secs(3)).expect("client")
}

fn target(address: &str) -> Target<'_> {
    Target {
        address,
        app_name: "demo-app",
        access_token: None,
        protocol: None,
    }
}

fn trigger(job_id: i32, log_id: i64) -> TriggerParam {
    TriggerParam {
        job_id,
        executor_handler: Some("demoJobHandler".into()),
        executor_block_strategy: Some("SERIAL_EXECUTION".into()),
        log_id,
        log_date_time: 1_700_000_000_000,
        glue_type: Some("BEAN".into()),
        broadcast_total: 1,
        ..TriggerParam::default()
    }
}

fn assert_failed_with(reply: &WireResponse<impl std::fmt::Debug>, needle: &str) {
    assert_eq!(reply.code, 500, "{reply:?}");
    let msg = reply.msg.as_deref().unwrap_or_default();
    assert!(msg.contains(needle), "expected {needle:?} in {msg:?}");
}

#[tokio::test]
async fn a_legacy_executor_is_triggered_on_run_without_any_detour() {
    let executor = FakeExecutor::start(Behaviour::Legacy).await;
    let client = client();

    let reply = client
        .run(&target(&executor.address), &trigger(7, 100))
        .await;

    assert!(reply.is_success(), "{reply:?}");
    assert_eq!(executor.hits("/run"), 1);
    assert_eq!(executor.hits("/trigger"), 0);
    let sent: Value = serde_json::from_str(&executor.seen()[0].body).unwrap();
    assert_eq!(sent["jobId"], 7);
    assert_eq!(sent["logId"], 100);
    assert_eq!(sent["executorHandler"], "demoJobHandler");
    assert_eq!(sent["logDateTime"], 1_700_000_000_000i64);
}

#[tokio::test]
async fn a_3_5_executor_is_detected_once_and_remembered() {
    let executor = FakeExecutor::start(Behaviour::V3_5).await;
    let client = client();
    let to = target(&executor.address);

    for log_id in 1..=3 {
        let reply = client.run(&to, &trigger(7, log_id)).await;
        assert!(reply.is_success(), "{reply:?}");
    }

    // /run was answered 404 once; every later trigger went straight to /trigger.
    assert_eq!(executor.hits("/run"), 1);
    assert_eq!(executor.hits("/trigger"), 3);
    assert_eq!(
        client.generation(&executor.address),
        ProtocolGeneration::V3_5
    );
    // The same executor written without the trailing slash shares the cache entry.
    let bare = executor.address.trim_end_matches('/');
    assert_eq!(client.generation(bare), ProtocolGeneration::V3_5);
}

#[tokio::test]
async fn an_executor_rolled_back_to_legacy_is_detected_again() {
    let executor = FakeExecutor::start(Behaviour::V3_5).await;
    let client = client();
    let to = target(&executor.address);
    assert!(client.run(&to, &trigger(1, 1)).await.is_success());
    assert_eq!(
        client.generation(&executor.address),
        ProtocolGeneration::V3_5
    );

    executor.become_(Behaviour::Legacy);
    for log_id in 2..=3 {
        let reply = client.run(&to, &trigger(1, log_id)).await;
        assert!(reply.is_success(), "{reply:?}");
    }

    // /trigger answered "uri-mapping(/trigger) not found" once, then /run was remembered.
    assert_eq!(
        executor.hits("/trigger"),
        2,
        "one success before, one miss after"
    );
    assert_eq!(executor.hits("/run"), 1 + 2);
    assert_eq!(
        client.generation(&executor.address),
        ProtocolGeneration::Legacy
    );
}

#[tokio::test]
async fn a_configured_protocol_is_used_as_is_without_detection() {
    let executor = FakeExecutor::start(Behaviour::Legacy).await;
    let client = client();
    let forced = Target {
        protocol: Some(ProtocolGeneration::V3_5),
        ..target(&executor.address)
    };

    let reply = client.run(&forced, &trigger(2, 5)).await;

    assert_failed_with(&reply, &messages::uri_not_found("/trigger"));
    assert_eq!(executor.hits("/trigger"), 1);
    assert_eq!(executor.hits("/run"), 0);
    assert_eq!(
        client.generation(&executor.address),
        ProtocolGeneration::Legacy
    );
}

#[tokio::test]
async fn both_auth_headers_are_sent_with_the_groups_token_or_the_default() {
    let executor = FakeExecutor::strict("group-secret", "demo-app").await;
    let client = ExecutorClient::new(Some("global-secret".into()), Duration::from_secs(3)).unwrap();
    let with_group_token = Target {
        access_token: Some("group-secret"),
        protocol: Some(ProtocolGeneration::V3_5),
        ..target(&executor.address)
    };

    let accepted = client.run(&with_group_token, &trigger(3, 9)).await;
    assert!(accepted.is_success(), "{accepted:?}");

    let with_default_token = Target {
        access_token: None,
        ..with_group_token
    };
    let rejected = client.kill(&with_default_token, 3).await;
    assert_failed_with(&rejected, messages::TOKEN_OR_APPNAME_INVALID);

    let seen = executor.seen();
    assert_eq!(seen[0].token.as_deref(), Some("group-secret"));
    assert_eq!(seen[0].app_name.as_deref(), Some("demo-app"));
    assert_eq!(seen[1].token.as_deref(), Some("global-secret"));
}

#[tokio::test]
async fn no_token_anywhere_means_no_token_header() {
    let executor = FakeExecutor::strict("secret", "demo-app").await;
    let client = client();

    let reply = client.beat(&target(&executor.address)).await;

    assert_failed_with(&reply, messages::TOKEN_OR_APPNAME_EMPTY);
    let seen = executor.seen();
    assert_eq!(seen[0].token, None);
    assert_eq!(seen[0].app_name.as_deref(), Some("demo-app"));
}

#[tokio::test]
async fn beat_idle_beat_and_kill_speak_the_protocol() {
    let idle = FakeExecutor::start(Behaviour::Legacy).await;
    let busy = FakeExecutor::busy().await;
    let client = client();

    assert!(client.beat(&target(&idle.address)).await.is_success());
    assert!(
        client
            .idle_beat(&target(&idle.address), 5)
            .await
            .is_success()
    );
    assert_failed_with(
        &client.idle_beat(&target(&busy.address), 5).await,
        messages::JOB_BUSY,
    );
    let killed = client.kill(&target(&idle.address), 5).await;
    assert!(killed.is_success());
    assert_eq!(killed.msg.as_deref(), Some(messages::ALREADY_KILLED));

    let idle_beat: Value = serde_json::from_str(&busy.seen()[0].body).unwrap();
    assert_eq!(idle_beat, serde_json::json!({"jobId": 5}));
    let kill: Value = serde_json::from_str(&idle.seen()[2].body).unwrap();
    assert_eq!(kill, serde_json::json!({"jobId": 5}));
    // A beat carries `""`, as legacy Java admins send it.
    assert_eq!(idle.seen()[0].body, r#""""#);
}

#[tokio::test]
async fn logs_are_read_from_content_or_data_and_requested_with_both_spellings() {
    let legacy = FakeExecutor::start(Behaviour::Legacy).await;
    let v3_5 = FakeExecutor::start(Behaviour::V3_5).await;
    let client = client();
    let request = LogRequest {
        log_date_time: 1_700_000_000_000,
        log_id: 77,
        from_line_num: 4,
    };

    for executor in [&legacy, &v3_5] {
        let reply = client.log(&target(&executor.address), &request).await;
        assert!(reply.is_success(), "{reply:?}");
        let log = reply.into_payload().expect("log payload");
        assert_eq!(log.from_line_num, 4);
        assert_eq!(log.to_line_num, 5);
        assert_eq!(log.log_content.as_deref(), Some("log 77 line\n"));

        let sent: Value = serde_json::from_str(&executor.seen()[0].body).unwrap();
        assert_eq!(sent["logDateTim"], 1_700_000_000_000i64);
        assert_eq!(sent["logDateTime"], 1_700_000_000_000i64);
        assert_eq!(sent["logId"], 77);
        assert_eq!(sent["fromLineNum"], 4);
    }
}

#[tokio::test]
async fn a_hanging_executor_times_out_quickly_with_a_500() {
    let executor = FakeExecutor::start(Behaviour::Hang).await;
    let client = ExecutorClient::new(None, Duration::from_millis(300)).unwrap();
    let started = Instant::now();

    let reply = tokio::time::timeout(
        Duration::from_secs(10),
        client.run(&target(&executor.address), &trigger(1, 1)),
    )
    .await
    .expect("the client's own timeout fires first");

    assert_failed_with(&reply, "timed out after 300 ms");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        executor.hits("/run"),
        1,
        "a timeout is not mistaken for a missing path"
    );
}

#[tokio::test]
async fn a_dead_executor_is_a_500_not_an_error() {
    let client = client();
    let address = dead_address();

    let reply = client.run(&target(&address), &trigger(1, 1)).await;

    assert_failed_with(&reply, "could not connect");
    assert_eq!(client.generation(&address), ProtocolGeneration::Legacy);
}

#[tokio::test]
async fn garbage_empty_bodies_and_http_errors_are_500s_that_say_so() {
    let executor = FakeExecutor::start(Behaviour::Broken).await;
    let client = client();
    let to = target(&executor.address);

    assert_failed_with(&client.run(&to, &trigger(1, 1)).await, "unparsable body");
    assert_failed_with(&client.run(&to, &trigger(1, 1)).await, "not json at all");
    assert_failed_with(&client.beat(&to).await, "empty body");
    assert_failed_with(&client.kill(&to, 1).await, "HTTP 500");
    assert_failed_with(&client.idle_beat(&to, 1).await, "unparsable body");
    let log = LogRequest::default();
    assert_failed_with(&client.log(&to, &log).await, "unparsable body");
    assert_eq!(
        client.generation(&executor.address),
        ProtocolGeneration::Legacy
    );
}
