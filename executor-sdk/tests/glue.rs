//! GLUE scripts, when the app enables them: run with XXL-JOB's argv, output in the run log,
//! exit code judged, and kill/timeout take down the script's whole process group.

mod common;

use std::path::Path;

use common::{FakeAdmin, Mode, TestExecutor, builder, now_millis};
use serde_json::{Value, json};

fn script_trigger(
    job_id: i32,
    log_id: i64,
    glue_type: &str,
    source: &str,
    param: &str,
    timeout: i32,
    updated: i64,
) -> Value {
    json!({
        "jobId": job_id, "executorHandler": "", "executorParams": param,
        "executorBlockStrategy": "SERIAL_EXECUTION", "executorTimeout": timeout,
        "logId": log_id, "logDateTime": now_millis(), "glueType": glue_type,
        "glueSource": source, "glueUpdatetime": updated,
        "broadcastIndex": 2, "broadcastTotal": 5
    })
}

/// True once `pid` no longer runs (gone, or a zombie waiting for a reaper).
fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

async fn pid_from(file: &Path) -> u32 {
    common::eventually("the script to write its child's pid", || {
        std::fs::read_to_string(file).ok()?.trim().parse().ok()
    })
    .await
}

/// Starts a background `sleep`, records its pid in the file named by $1, and waits.
const SPAWNS_A_CHILD: &str = "sleep 300 &\necho $! > \"$1\"\nwait\n";

#[tokio::test]
async fn a_shell_script_runs_with_param_and_shard_arguments() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path()).enable_glue(true)).await;

    let source = "echo \"param=$1 shard=$2/$3\"\necho to-stderr >&2\n";
    executor
        .post(
            "/run",
            script_trigger(1, 1, "GLUE_SHELL", source, "hello world", 0, 1),
        )
        .await;
    let result = admin.result(1).await;
    assert_eq!(result.handle_code, 200, "{:?}", result.handle_msg);

    let at = admin.calls("/api/callback")[0].body[0]["logDateTime"].clone();
    let log = executor
        .post(
            "/log",
            json!({"logDateTime": at, "logId": 1, "fromLineNum": 1}),
        )
        .await;
    let text = log["data"]["logContent"].as_str().unwrap();
    assert!(text.contains("param=hello world shard=2/5\n"), "{text}");
    assert!(text.contains("to-stderr\n"), "{text}");

    let failing = "echo about to fail\nexit 3\n";
    executor
        .post(
            "/run",
            script_trigger(1, 2, "GLUE_SHELL", failing, "", 0, 2),
        )
        .await;
    let result = admin.result(2).await;
    assert_eq!(result.handle_code, 500);
    assert_eq!(
        result.handle_msg.as_deref(),
        Some("script exit value(3) is failed")
    );

    // One file per job: the new version replaced the old one.
    let scripts: Vec<_> = std::fs::read_dir(dir.path().join("logs/gluesource"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(scripts, ["1_2.sh"]);
    executor.stop().await;
}

/// An executor with GLUE on, running job `job_id` as a script that started a background
/// child; returns the child's pid with everything the test still needs.
struct ScriptWithChild {
    admin: FakeAdmin,
    executor: TestExecutor,
    child: u32,
    _dir: tempfile::TempDir,
}

async fn run_script_with_child(job_id: i32, log_id: i64, timeout_secs: i32) -> ScriptWithChild {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path()).enable_glue(true)).await;
    let pid_file = dir.path().join("child.pid");
    let pid_arg = pid_file.to_str().unwrap();
    let trigger = script_trigger(
        job_id,
        log_id,
        "GLUE_SHELL",
        SPAWNS_A_CHILD,
        pid_arg,
        timeout_secs,
        1,
    );
    assert_eq!(executor.post("/run", trigger).await, json!({"code": 200}));
    let child = pid_from(&pid_file).await;
    assert!(!process_gone(child));
    ScriptWithChild {
        admin,
        executor,
        child,
        _dir: dir,
    }
}

#[tokio::test]
async fn kill_takes_down_the_scripts_whole_process_group() {
    let run = run_script_with_child(3, 31, 0).await;
    assert_eq!(
        run.executor.post("/kill", json!({"jobId": 3})).await,
        json!({"code": 200})
    );
    let result = run.admin.result(31).await;
    assert_eq!(
        result.handle_msg.as_deref(),
        Some("scheduling center kill job. [job running, killed]")
    );
    common::eventually("the script's child to die", || {
        process_gone(run.child).then_some(())
    })
    .await;
    run.executor.stop().await;
}

#[tokio::test]
async fn a_script_timeout_reports_502_and_kills_the_group() {
    let run = run_script_with_child(4, 41, 1).await;
    assert_eq!(run.admin.result(41).await.handle_code, 502);
    common::eventually("the script's child to die", || {
        process_gone(run.child).then_some(())
    })
    .await;
    run.executor.stop().await;
}

#[tokio::test]
async fn a_python_script_runs_when_python_is_installed() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("python3 not installed: skipped");
        return;
    }
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path()).enable_glue(true)).await;
    let source =
        "import sys\nprint('py', sys.argv[1:])\nsys.exit(0 if sys.argv[1] == 'ok' else 4)\n";
    executor
        .post(
            "/run",
            script_trigger(5, 51, "GLUE_PYTHON", source, "ok", 0, 1),
        )
        .await;
    assert_eq!(admin.result(51).await.handle_code, 200);
    executor
        .post(
            "/run",
            script_trigger(5, 52, "GLUE_PYTHON", source, "no", 0, 1),
        )
        .await;
    assert_eq!(
        admin.result(52).await.handle_msg.as_deref(),
        Some("script exit value(4) is failed")
    );
    executor.stop().await;
}
