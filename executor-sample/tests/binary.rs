//! The sample binary as an operator runs it: it registers with the admin, runs a triggered
//! job, serves the job's log, and on SIGTERM deregisters and exits cleanly.

mod common;

use std::path::Path;
use std::process::Stdio;

use common::{APP, FakeAdmin, TOKEN, WAIT, post, read_log, trigger};
use jobwheel_executor::protocol::{CODE_SUCCESS, RegistryParam};
use tokio::process::{Child, Command};

/// Starts the sample binary against `admin`, configured by flags and environment as in a
/// deployment; no `JOBWHEEL_*` variable of the test's own environment leaks in.
fn start_sample(admin: &FakeAdmin, dir: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_jobwheel-executor-sample"))
        .env_clear()
        .env("RUST_LOG", "info")
        .env("JOBWHEEL_ACCESS_TOKEN", TOKEN)
        .args(["--admin-addresses", admin.base(), "--app-name", APP])
        .args(["--bind", "127.0.0.1", "--port", "0"])
        .arg("--log-path")
        .arg(dir.join("logs"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// The executor's base URL, from its first registration (it listens on a random port).
async fn registered_address(admin: &FakeAdmin) -> String {
    let registration: RegistryParam = admin
        .recorder
        .wait_for("the executor's registration", |r| {
            r.requests("/api/registry").first().map(|call| {
                assert_eq!(call.header("XXL-JOB-ACCESS-TOKEN"), Some(TOKEN));
                serde_json::from_slice(&call.body).unwrap()
            })
        })
        .await;
    assert_eq!(registration.registry_key, APP);
    registration.registry_value
}

fn terminate(child: &Child) {
    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[tokio::test]
async fn the_sample_runs_a_job_serves_its_log_and_leaves_cleanly_on_sigterm() {
    let admin = FakeAdmin::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut sample = start_sample(&admin, dir.path(), &[]);
    let address = registered_address(&admin).await;
    let base = address.trim_end_matches('/');
    let http = reqwest::Client::new();

    let body = trigger(1, 101, "demoJobHandler", "from the e2e test", 0);
    let log_date_time = body["logDateTime"].as_i64().unwrap();
    let accepted = post(&http, base, "/run", body).await;
    assert_eq!(accepted["code"], CODE_SUCCESS, "{accepted}");

    let result = admin.result(101).await;
    assert_eq!(result.handle_code, CODE_SUCCESS);
    assert_eq!(result.handle_msg.as_deref(), Some("demo done"));
    let log = read_log(&http, base, log_date_time, 101).await;
    assert!(log.contains("param: \"from the e2e test\""), "{log}");
    assert!(log.contains("beat at: 4"), "{log}");
    assert!(
        log.contains("demoJobHandler finished"),
        "tracing events too: {log}"
    );

    terminate(&sample);
    let status = tokio::time::timeout(WAIT, sample.wait())
        .await
        .expect("the sample did not exit after SIGTERM")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let removed = admin.recorder.requests("/api/registryRemove");
    assert_eq!(removed.len(), 1);
    let removal: RegistryParam = serde_json::from_slice(&removed[0].body).unwrap();
    assert_eq!(
        (removal.registry_key, removal.registry_value),
        (APP.to_string(), address)
    );
}

#[tokio::test]
async fn commands_do_not_see_the_executors_token() {
    let admin = FakeAdmin::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut sample = start_sample(&admin, dir.path(), &["--enable-command"]);
    let base = registered_address(&admin).await;
    let base = base.trim_end_matches('/');
    let http = reqwest::Client::new();

    let body = trigger(2, 202, "commandJobHandler", "env", 0);
    let log_date_time = body["logDateTime"].as_i64().unwrap();
    post(&http, base, "/run", body).await;

    assert_eq!(admin.result(202).await.handle_code, CODE_SUCCESS);
    let log = read_log(&http, base, log_date_time, 202).await;
    assert!(
        log.contains("RUST_LOG=info"),
        "the command ran `env`: {log}"
    );
    assert!(!log.contains(TOKEN), "{log}");
    assert!(!log.contains("JOBWHEEL_"), "{log}");
    terminate(&sample);
    tokio::time::timeout(WAIT, sample.wait())
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_bad_http_allow_list_stops_the_start_with_a_clear_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_jobwheel-executor-sample"))
        .env_clear()
        .env(
            "JOBWHEEL_HTTP_ALLOW",
            "http://ok.internal/, internal.example.com",
        )
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();

    assert_eq!(output.status.code(), Some(2), "clap's usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"internal.example.com\" is not a URL"),
        "{stderr}"
    );
}
