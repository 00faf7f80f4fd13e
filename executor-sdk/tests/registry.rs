//! The executor keeps itself registered with every admin, and says goodbye on shutdown.

mod common;

use common::{APP, FakeAdmin, Mode, TOKEN, TestExecutor, builder};
use serde_json::json;

#[tokio::test]
async fn heartbeats_reach_every_admin_and_shutdown_deregisters() {
    let first = FakeAdmin::start(Mode::Up).await;
    let second = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    // Comma-separated, as XXL-JOB's `admin.addresses`.
    let executor = TestExecutor::start(builder(
        &format!("{},{}", first.base, second.base),
        dir.path(),
    ))
    .await;
    assert!(executor.address.starts_with("http://127.0.0.1:") && executor.address.ends_with('/'));
    assert_eq!(executor.address, format!("{}/", executor.base));

    let expected =
        json!({"registryGroup": "EXECUTOR", "registryKey": APP, "registryValue": executor.address});
    for admin in [&first, &second] {
        let beats = admin.wait_calls("/api/registry", 3).await;
        for beat in &beats {
            assert_eq!(beat.body, expected);
            assert_eq!(beat.token.as_deref(), Some(TOKEN));
            assert_eq!(beat.app_name.as_deref(), Some(APP));
        }
        assert!(admin.calls("/api/registryRemove").is_empty());
    }

    executor.stop().await;
    for admin in [&first, &second] {
        let removes = admin.calls("/api/registryRemove");
        assert_eq!(removes.len(), 1);
        assert_eq!(removes[0].body, expected);
    }
}

#[tokio::test]
async fn an_admin_context_path_and_an_explicit_address_are_honoured() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(
        builder(&format!("{}/xxl-job-admin/", admin.base), dir.path())
            .address("http://jobs.example.internal:9999/"),
    )
    .await;
    let beat = admin.wait_calls("/xxl-job-admin/api/registry", 1).await;
    assert_eq!(
        beat[0].body["registryValue"],
        "http://jobs.example.internal:9999/"
    );
    executor.stop().await;
}
