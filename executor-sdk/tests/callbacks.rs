//! No result is lost: not while the admin is down, and not across an executor restart.
//! The callback shape follows the admin's generation, configured or detected.

mod common;

use common::{FakeAdmin, Mode, TestExecutor, builder, files_in};
use jobwheel_executor::protocol::ProtocolGeneration;
use serde_json::json;

#[tokio::test]
async fn results_wait_on_disk_while_the_admin_is_down() {
    let admin = FakeAdmin::start(Mode::Down).await;
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let executor = TestExecutor::start(builder(&admin.base, dir.path()).callback_dir(&spool)).await;

    executor.trigger(1, 11, "echo", "a").await;
    executor.trigger(2, 12, "fail", "").await;
    common::eventually("both results spooled", || {
        let spooled: usize = files_in(&spool, "json")
            .iter()
            .map(|f| {
                let items: Vec<serde_json::Value> =
                    serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
                items.len()
            })
            .sum();
        (spooled == 2).then_some(())
    })
    .await;
    assert!(admin.results().is_empty());

    admin.set_mode(Mode::Up);
    assert_eq!(admin.result(11).await.handle_code, 200);
    assert_eq!(admin.result(12).await.handle_code, 500);
    common::eventually("the spool to empty", || {
        files_in(&spool, "json").is_empty().then_some(())
    })
    .await;
    executor.stop().await;
}

#[tokio::test]
async fn results_survive_an_executor_restart() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    // An admin address where nothing listens.
    let nowhere = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let first = TestExecutor::start(builder(&nowhere, dir.path()).callback_dir(&spool)).await;
    first.trigger(1, 21, "echo", "before restart").await;
    common::eventually("the result spooled", || {
        (!files_in(&spool, "json").is_empty()).then_some(())
    })
    .await;
    first.stop().await;

    let admin = FakeAdmin::start(Mode::Up).await;
    let second = TestExecutor::start(builder(&admin.base, dir.path()).callback_dir(&spool)).await;
    let result = admin.result(21).await;
    assert_eq!(result.handle_code, 200);
    assert_eq!(result.handle_msg.as_deref(), Some("echo:before restart"));
    common::eventually("the spool to empty", || {
        files_in(&spool, "json").is_empty().then_some(())
    })
    .await;
    second.stop().await;
}

#[tokio::test]
async fn the_next_admin_takes_results_when_the_first_is_down() {
    let down = FakeAdmin::start(Mode::Down).await;
    let up = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor =
        TestExecutor::start(builder(&format!("{},{}", down.base, up.base), dir.path())).await;
    executor.trigger(1, 31, "echo", "").await;
    assert_eq!(up.result(31).await.handle_code, 200);
    executor.stop().await;
}

#[tokio::test]
async fn the_callback_shape_is_detected_from_a_3_5_admin() {
    let admin = FakeAdmin::start(Mode::V3_5).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;

    executor.trigger(1, 41, "echo", "x").await;
    admin.result(41).await;
    let calls = admin.calls("/api/callback");
    assert!(
        !calls[0].accepted && calls[0].body.is_array(),
        "legacy shape first"
    );
    assert!(calls[1].accepted);
    assert_eq!(
        calls[1].body,
        json!({"callbackList": [{"logId": 41, "logDateTime": calls[1].body["callbackList"][0]["logDateTime"], "handleCode": 200, "handleMsg": "echo:x"}]})
    );

    // Remembered: the next batch goes out in the 3.5 shape at once.
    executor.trigger(1, 42, "echo", "y").await;
    admin.result(42).await;
    let calls = admin.calls("/api/callback");
    assert_eq!(calls.len(), 3);
    assert!(calls[2].accepted && calls[2].body.get("callbackList").is_some());
    executor.stop().await;
}

#[tokio::test]
async fn a_configured_shape_is_used_as_is() {
    let legacy_admin = FakeAdmin::start(Mode::Legacy).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(
        builder(&legacy_admin.base, dir.path()).admin_protocol(ProtocolGeneration::Legacy),
    )
    .await;
    executor.trigger(1, 51, "echo", "").await;
    legacy_admin.result(51).await;
    let call = &legacy_admin.calls("/api/callback")[0];
    assert!(call.accepted);
    let item = &call.body[0];
    assert_eq!(item["logId"], 51);
    assert_eq!(item["logDateTim"], item["logDateTime"]);
    assert_eq!(item["handleCode"], 200);
    assert_eq!(item["executeResult"], json!({"code": 200, "msg": "echo:"}));
    executor.stop().await;

    let v35_admin = FakeAdmin::start(Mode::V3_5).await;
    let executor = TestExecutor::start(
        builder(&v35_admin.base, dir.path()).admin_protocol(ProtocolGeneration::V3_5),
    )
    .await;
    executor.trigger(1, 52, "echo", "").await;
    v35_admin.result(52).await;
    let calls = v35_admin.calls("/api/callback");
    assert!(calls[0].accepted, "no detour through the array shape");
    executor.stop().await;
}
