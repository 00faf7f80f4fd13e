//! An admin triggers runs; the executor runs them and reports each result by callback.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{FakeAdmin, Mode, TestExecutor, builder, trigger_body};
use jobwheel_executor::JobContext;
use jobwheel_executor::protocol::messages;
use serde_json::json;

type Run = Pin<Box<dyn Future<Output = Result<String, String>> + Send>>;

/// A handler that never finishes on its own and records that its future was dropped.
fn until_cancelled(dropped: Arc<AtomicBool>) -> impl Fn(JobContext) -> Run + Send + Sync {
    move |_ctx| {
        let flag = DropFlag(Arc::clone(&dropped));
        Box::pin(async move {
            let _flag = flag;
            std::future::pending::<()>().await;
            Ok(String::new())
        })
    }
}

struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_run_succeeds_and_its_result_reaches_the_admin() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;

    assert_eq!(
        executor.trigger(1, 101, "echo", "hello").await,
        json!({"code": 200})
    );
    let result = admin.result(101).await;
    assert_eq!(result.handle_code, 200);
    assert_eq!(result.handle_msg.as_deref(), Some("echo:hello"));
    executor.stop().await;
}

#[tokio::test]
async fn a_handler_error_is_a_500_and_a_panic_does_not_stop_the_executor() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;

    executor.trigger(1, 201, "fail", "").await;
    let failed = admin.result(201).await;
    assert_eq!(failed.handle_code, 500);
    assert_eq!(failed.handle_msg.as_deref(), Some("it failed on purpose"));

    executor.trigger(2, 202, "panic", "").await;
    let panicked = admin.result(202).await;
    assert_eq!(panicked.handle_code, 500);
    assert!(panicked.handle_msg.unwrap().contains("boom"));

    // Same job again, then another job: both still run.
    executor.trigger(2, 203, "echo", "again").await;
    assert_eq!(admin.result(203).await.handle_code, 200);
    executor.trigger(3, 204, "echo", "other").await;
    assert_eq!(admin.result(204).await.handle_code, 200);
    executor.stop().await;
}

#[tokio::test]
async fn a_timeout_cancels_the_handler_and_reports_502() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let dropped = Arc::new(AtomicBool::new(false));
    let executor = TestExecutor::start(
        builder(&admin.base, dir.path()).handler("forever", until_cancelled(dropped.clone())),
    )
    .await;

    let reply = executor
        .post(
            "/run",
            trigger_body(5, 501, "forever", "", "SERIAL_EXECUTION", 1),
        )
        .await;
    assert_eq!(reply["code"], 200);
    let result = admin.result(501).await;
    assert_eq!(result.handle_code, 502);
    assert_eq!(result.handle_msg.as_deref(), Some(messages::TIMEOUT));
    assert!(
        dropped.load(Ordering::SeqCst),
        "the handler's future was not dropped"
    );
    executor.stop().await;
}

#[tokio::test]
async fn kill_stops_the_running_run_and_drops_the_queue() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let dropped = Arc::new(AtomicBool::new(false));
    let executor = TestExecutor::start(
        builder(&admin.base, dir.path()).handler("forever", until_cancelled(dropped.clone())),
    )
    .await;

    executor.trigger(7, 701, "forever", "").await;
    executor.trigger(7, 702, "forever", "").await;
    assert_eq!(
        executor.post("/idleBeat", json!({"jobId": 7})).await,
        json!({"code": 500, "msg": messages::JOB_BUSY})
    );

    assert_eq!(
        executor.post("/kill", json!({"jobId": 7})).await,
        json!({"code": 200})
    );
    let running = admin.result(701).await;
    assert_eq!(running.handle_code, 500);
    assert_eq!(
        running.handle_msg.as_deref(),
        Some("scheduling center kill job. [job running, killed]")
    );
    let queued = admin.result(702).await;
    assert_eq!(queued.handle_code, 500);
    assert_eq!(
        queued.handle_msg.as_deref(),
        Some("scheduling center kill job. [job not executed, in the job queue, killed.]")
    );
    assert!(dropped.load(Ordering::SeqCst));

    assert_eq!(
        executor.post("/kill", json!({"jobId": 7})).await,
        json!({"code": 200, "msg": messages::ALREADY_KILLED, "data": messages::ALREADY_KILLED})
    );
    assert_eq!(
        executor.post("/idleBeat", json!({"jobId": 7})).await,
        json!({"code": 200})
    );
    executor.stop().await;
}

#[tokio::test]
async fn serial_execution_runs_one_at_a_time_in_order() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (r, m) = (running.clone(), most.clone());
    let executor = TestExecutor::start(builder(&admin.base, dir.path()).handler(
        "counted",
        move |_ctx| {
            let (r, m) = (r.clone(), m.clone());
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, String>(String::new())
            }
        },
    ))
    .await;

    for log_id in 1..=4 {
        assert_eq!(
            executor.trigger(9, log_id, "counted", "").await["code"],
            200
        );
    }
    admin.result(4).await;
    let order: Vec<i64> = admin.results().iter().map(|r| r.log_id).collect();
    assert_eq!(order, vec![1, 2, 3, 4]);
    assert_eq!(most.load(Ordering::SeqCst), 1);
    executor.stop().await;
}

#[tokio::test]
async fn discard_later_refuses_a_trigger_while_busy() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;

    executor.trigger(11, 1101, "sleep", "300").await;
    let refused = executor
        .post(
            "/run",
            trigger_body(11, 1102, "sleep", "1", "DISCARD_LATER", 0),
        )
        .await;
    assert_eq!(
        refused,
        json!({"code": 500, "msg": "block strategy effect\u{FF1A}Discard Later"})
    );
    assert_eq!(admin.result(1101).await.handle_code, 200);
    // Idle again: the same trigger is accepted now.
    let accepted = executor
        .post(
            "/run",
            trigger_body(11, 1103, "sleep", "1", "DISCARD_LATER", 0),
        )
        .await;
    assert_eq!(accepted, json!({"code": 200}));
    assert_eq!(admin.result(1103).await.handle_code, 200);
    executor.stop().await;
}

#[tokio::test]
async fn cover_early_kills_the_running_run_and_runs_the_new_one() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;

    executor.trigger(12, 1201, "sleep", "60000").await;
    let reply = executor
        .post(
            "/run",
            trigger_body(12, 1202, "sleep", "1", "COVER_EARLY", 0),
        )
        .await;
    assert_eq!(reply, json!({"code": 200}));
    let covered = admin.result(1201).await;
    assert_eq!(covered.handle_code, 500);
    assert_eq!(
        covered.handle_msg.as_deref(),
        Some("block strategy effect\u{FF1A}Cover Early [job running, killed]")
    );
    assert_eq!(admin.result(1202).await.handle_code, 200);
    executor.stop().await;
}

#[tokio::test]
async fn idle_beat_says_busy_while_a_run_is_queued_or_running() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;

    let idle = json!({"code": 200});
    let busy = json!({"code": 500, "msg": messages::JOB_BUSY});
    assert_eq!(executor.post("/idleBeat", json!({"jobId": 13})).await, idle);
    executor.trigger(13, 1301, "sleep", "300").await;
    assert_eq!(executor.post("/idleBeat", json!({"jobId": 13})).await, busy);
    assert_eq!(executor.post("/idleBeat", json!({"jobId": 14})).await, idle);
    admin.result(1301).await;
    assert_eq!(executor.post("/idleBeat", json!({"jobId": 13})).await, idle);
    executor.stop().await;
}

#[tokio::test]
async fn a_duplicate_log_id_and_an_unknown_handler_are_refused() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;

    executor.trigger(15, 1501, "sleep", "300").await;
    executor.trigger(15, 1502, "sleep", "1").await;
    assert_eq!(
        executor.trigger(15, 1502, "sleep", "1").await,
        json!({"code": 500, "msg": "repeate trigger job, logId:1502"})
    );
    assert_eq!(
        executor.trigger(16, 1601, "nope", "").await,
        json!({"code": 500, "msg": "job handler [nope] not found."})
    );
    assert_eq!(admin.result(1502).await.handle_code, 200);
    executor.stop().await;
}

#[tokio::test]
async fn an_idle_worker_stops_itself() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let idle = Duration::from_millis(100);
    let quick =
        TestExecutor::start(builder(&admin.base, dir.path()).idle_worker_timeout(idle)).await;
    let lazy = TestExecutor::start(
        builder(&admin.base, dir.path()).idle_worker_timeout(Duration::from_secs(600)),
    )
    .await;

    quick.trigger(17, 1701, "echo", "").await;
    lazy.trigger(17, 1702, "echo", "").await;
    admin.result(1701).await;
    admin.result(1702).await;
    // No notification exists for "a worker retired"; /kill tells whether one is there.
    tokio::time::sleep(idle * 5).await;
    assert_eq!(
        quick.post("/kill", json!({"jobId": 17})).await["msg"],
        messages::ALREADY_KILLED
    );
    assert_eq!(
        lazy.post("/kill", json!({"jobId": 17})).await,
        json!({"code": 200})
    );
    quick.stop().await;
    lazy.stop().await;
}

#[tokio::test]
async fn shutdown_waits_for_running_jobs_then_reports_them_failed() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(
        builder(&admin.base, dir.path()).shutdown_grace(Duration::from_millis(300)),
    )
    .await;

    executor.trigger(18, 1801, "sleep", "100").await;
    executor.trigger(19, 1901, "sleep", "60000").await;
    executor.stop().await;
    // Both results were delivered before `run` returned.
    let results = admin.results();
    let finished = results.iter().find(|r| r.log_id == 1801).unwrap();
    assert_eq!(finished.handle_code, 200);
    let stopped = results.iter().find(|r| r.log_id == 1901).unwrap();
    assert_eq!(stopped.handle_code, 500);
    assert_eq!(
        stopped.handle_msg.as_deref(),
        Some("web container destroy and kill the job. [job running, killed]")
    );
}

/// A handler with state, written as a type.
struct Counter {
    runs: AtomicUsize,
}

impl jobwheel_executor::JobHandler for Counter {
    type Error = std::convert::Infallible;

    async fn execute(&self, ctx: JobContext) -> Result<String, Self::Error> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        ctx.log(format!("run number {n}"));
        Ok(format!("run {n}"))
    }
}

#[tokio::test]
async fn a_handler_type_keeps_its_state_between_runs() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path()).job_handler(
        "counter",
        Counter {
            runs: AtomicUsize::new(0),
        },
    ))
    .await;
    executor.trigger(20, 2001, "counter", "").await;
    executor.trigger(21, 2002, "counter", "").await;
    let mut msgs = vec![
        admin.result(2001).await.handle_msg.unwrap(),
        admin.result(2002).await.handle_msg.unwrap(),
    ];
    msgs.sort();
    assert_eq!(msgs, ["run 1", "run 2"]);
    executor.stop().await;
}
