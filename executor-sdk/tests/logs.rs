//! The admin reads a run's log by line range while and after it runs.

mod common;

use common::{FakeAdmin, Mode, TestExecutor, builder, now_millis};
use serde_json::json;

#[tokio::test]
async fn the_admin_pages_through_a_run_log() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path()).handler(
        "chatty",
        |ctx| async move {
            for i in 1..=3 {
                jobwheel_executor::job_log!(
                    ctx,
                    "step {i} of shard {}/{}",
                    ctx.shard_index(),
                    ctx.shard_total()
                );
            }
            Ok::<_, String>("done".into())
        },
    ))
    .await;

    let at = now_millis();
    let mut trigger = common::trigger_body(1, 42, "chatty", "p=1", "SERIAL_EXECUTION", 0);
    trigger["logDateTime"] = json!(at);
    executor.post("/run", trigger).await;
    admin.result(42).await;
    // The executor notes the delivery in the log after the admin answered; wait for that
    // last line so the file no longer grows while it is paged.
    let file = dir
        .path()
        .join("logs")
        .join(chrono::Local::now().format("%Y-%m-%d").to_string())
        .join("42.log");
    common::eventually("the callback note in the run log", || {
        std::fs::read_to_string(&file)
            .ok()
            .filter(|t| t.contains("callback finish"))
    })
    .await;

    // A 3.5 admin spells it logDateTime, 2.x–3.4 logDateTim: both find the file.
    let all = executor
        .post(
            "/log",
            json!({"logDateTime": at, "logId": 42, "fromLineNum": 1}),
        )
        .await;
    let legacy = executor
        .post(
            "/log",
            json!({"logDateTim": at, "logId": 42, "fromLineNum": 1}),
        )
        .await;
    assert_eq!(all["code"], 200);
    assert_eq!(all["content"], all["data"], "payload under both keys");
    let page = &all["data"];
    let text = page["logContent"].as_str().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("xxl-job job execute start"), "{text}");
    assert!(lines[0].ends_with("Param:p=1"), "{text}");
    for (i, line) in lines[1..=3].iter().enumerate() {
        let step = i + 1;
        assert!(
            line.ends_with(&format!("[chatty] step {step} of shard 0/1")),
            "{text}"
        );
    }
    assert!(text.contains("handleCode=200, handleMsg = done"));
    let total = lines.len() as i64;
    assert_eq!(page["fromLineNum"], 1);
    assert_eq!(page["toLineNum"], total);
    assert_eq!(page["isEnd"], false);
    assert!(
        legacy["data"]["logContent"]
            .as_str()
            .unwrap()
            .starts_with(lines[0])
    );

    let tail = executor
        .post(
            "/log",
            json!({"logDateTime": at, "logId": 42, "fromLineNum": 3}),
        )
        .await;
    assert_eq!(tail["data"]["fromLineNum"], 3);
    assert_eq!(tail["data"]["toLineNum"], total);
    assert!(
        tail["data"]["logContent"]
            .as_str()
            .unwrap()
            .starts_with(lines[2])
    );

    let past_end = executor
        .post(
            "/log",
            json!({"logDateTime": at, "logId": 42, "fromLineNum": total + 1}),
        )
        .await;
    assert_eq!(
        past_end["data"],
        json!({"fromLineNum": total + 1, "toLineNum": 0, "logContent": "", "isEnd": false})
    );

    let missing = executor
        .post(
            "/log",
            json!({"logDateTime": at, "logId": 4242, "fromLineNum": 1}),
        )
        .await;
    assert_eq!(
        missing["data"],
        json!({"fromLineNum": 1, "toLineNum": 0, "logContent": "readLog fail, logFile not exists", "isEnd": true})
    );
    executor.stop().await;
}

#[tokio::test(flavor = "current_thread")]
async fn tracing_events_of_a_handler_land_in_its_run_log() {
    use tracing_subscriber::prelude::*;
    let subscriber = tracing_subscriber::registry().with(jobwheel_executor::JobLogLayer::new());
    let _guard = tracing::subscriber::set_default(subscriber);

    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path()).handler(
        "traced",
        |_ctx| async move {
            tracing::info!(rows = 7, "imported the batch");
            Ok::<_, String>(String::new())
        },
    ))
    .await;
    tracing::info!("outside any run");

    let at = now_millis();
    let mut trigger = common::trigger_body(1, 77, "traced", "", "SERIAL_EXECUTION", 0);
    trigger["logDateTime"] = json!(at);
    executor.post("/run", trigger).await;
    admin.result(77).await;
    let page = executor
        .post(
            "/log",
            json!({"logDateTime": at, "logId": 77, "fromLineNum": 1}),
        )
        .await;
    let text = page["data"]["logContent"].as_str().unwrap().to_string();
    assert!(text.contains("INFO imported the batch rows=7"), "{text}");
    assert!(!text.contains("outside any run"), "{text}");
    executor.stop().await;
}

#[tokio::test]
async fn run_logs_past_the_retention_are_deleted() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let old = logs.join("2001-02-03");
    let recent = logs.join(chrono::Local::now().format("%Y-%m-%d").to_string());
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("1.log"), "old\n").unwrap();
    std::fs::create_dir_all(&recent).unwrap();

    let executor =
        TestExecutor::start(builder(&admin.base, dir.path()).log_retention_days(3)).await;
    common::eventually("the old log directory to go", || {
        (!old.exists()).then_some(())
    })
    .await;
    assert!(recent.exists());
    executor.stop().await;
}
