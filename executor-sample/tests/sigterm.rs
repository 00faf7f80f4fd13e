//! An operator stops the sample executor binary with SIGTERM while a job runs: it deregisters
//! (`api/registryRemove`), lets the running job finish within its grace, delivers the result
//! (or, with no admin answering, spools it to disk for the next start), and exits 0.
//!
//! The admin here is the SDK tests' recording admin (real HTTP on 127.0.0.1); the executor is
//! the real binary.

#[path = "../../executor-sdk/tests/common/mod.rs"]
mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::{APP, FakeAdmin, Mode, TOKEN, trigger_body};
use jobwheel_executor::protocol::{ACCESS_TOKEN_HEADER, CallbackItem};

/// What the running job takes: long enough to be running at SIGTERM, well inside the
/// default 10 s shutdown grace.
const JOB_SECONDS: &str = "2";
const EXIT_BOUND: Duration = Duration::from_secs(15);

/// The sample binary, listening on a free port of 127.0.0.1.
struct Sample {
    base: String,
    log_file: PathBuf,
    child: Child,
}

impl Sample {
    fn start(admin: &str, dir: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log_file = dir.join("sample.log");
        let log = std::fs::File::create(&log_file).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_jobwheel-executor-sample"));
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("JOBWHEEL_")) {
            command.env_remove(key);
        }
        let child = command
            .env("JOBWHEEL_ADMIN_ADDRESSES", admin)
            .env("JOBWHEEL_APP_NAME", APP)
            .env("JOBWHEEL_ACCESS_TOKEN", TOKEN)
            .env("JOBWHEEL_EXECUTOR_BIND", "127.0.0.1")
            .env("JOBWHEEL_EXECUTOR_IP", "127.0.0.1")
            .env("JOBWHEEL_EXECUTOR_PORT", port.to_string())
            .env("JOBWHEEL_LOG_PATH", dir.join("logs"))
            .env("JOBWHEEL_CALLBACK_DIR", dir.join("spool"))
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start the sample executor");
        Self {
            base: format!("http://127.0.0.1:{port}"),
            log_file,
            child,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }

    /// Triggers `slowJobHandler` as an admin does; true once the executor accepted it.
    async fn trigger_slow(&self, log_id: i64) -> bool {
        let body = trigger_body(
            7,
            log_id,
            "slowJobHandler",
            JOB_SECONDS,
            "SERIAL_EXECUTION",
            0,
        );
        let Ok(response) = reqwest::Client::new()
            .post(format!("{}/run", self.base))
            .header(ACCESS_TOKEN_HEADER, TOKEN)
            .json(&body)
            .send()
            .await
        else {
            return false;
        };
        let reply: serde_json::Value = response.json().await.unwrap_or_default();
        reply["code"] == 200
    }

    fn terminate(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on the child we spawned; no memory is touched.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    }

    /// Waits (bounded) for the exit; returns the status and how long it took.
    async fn wait_exit(&mut self) -> (ExitStatus, Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return (status, started.elapsed());
            }
            if started.elapsed() > EXIT_BOUND {
                let _ = self.child.kill();
                panic!(
                    "the executor did not exit within {EXIT_BOUND:?}\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Sample {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Starts the sample, waits for its registration, and starts a slow job (log `log_id`)
/// that is running when this returns.
async fn sample_running_a_job(admin: &FakeAdmin, dir: &Path, log_id: i64) -> Sample {
    let sample = Sample::start(&admin.base, dir);
    let registered = admin.wait_calls("/api/registry", 1).await;
    assert_eq!(
        registered[0].body["registryValue"],
        format!("{}/", sample.base)
    );
    assert!(sample.trigger_slow(log_id).await, "{}", sample.log());
    // The handler writes a line to its run log each second it works.
    common::eventually("the job to be running", || {
        run_log_contains(&dir.join("logs"), "still working").then_some(())
    })
    .await;
    sample
}

fn run_log_contains(dir: &Path, text: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            run_log_contains(&path, text)
        } else {
            std::fs::read_to_string(&path).is_ok_and(|t| t.contains(text))
        }
    })
}

#[tokio::test]
async fn sigterm_deregisters_finishes_the_running_job_and_delivers_its_result() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sample = sample_running_a_job(&admin, dir.path(), 4101).await;

    sample.terminate();
    let (status, took) = sample.wait_exit().await;
    assert!(status.success(), "exit {status}\n{}", sample.log());
    let removes = admin.calls("/api/registryRemove");
    assert_eq!(removes.len(), 1, "registryRemove sent once");
    assert_eq!(removes[0].body["registryKey"], APP);
    let result = admin
        .results()
        .into_iter()
        .find(|r| r.log_id == 4101)
        .unwrap_or_else(|| panic!("the running job's result was delivered\n{}", sample.log()));
    assert_eq!(result.handle_code, 200, "{result:?}");
    assert_eq!(result.handle_msg.as_deref(), Some("slept 2 s"));
    eprintln!("sample executor: SIGTERM to exit 0 in {took:?}, job finished and reported");
}

#[tokio::test]
async fn with_no_admin_answering_the_result_is_spooled_for_the_next_start() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sample = sample_running_a_job(&admin, dir.path(), 4201).await;
    admin.set_mode(Mode::Down);

    sample.terminate();
    let (status, _) = sample.wait_exit().await;
    assert!(status.success(), "exit {status}\n{}", sample.log());
    assert_eq!(
        admin.calls("/api/registryRemove").len(),
        1,
        "registryRemove was attempted"
    );
    assert!(admin.results().iter().all(|r| r.log_id != 4201));
    let spooled: Vec<CallbackItem> = common::files_in(&dir.path().join("spool"), "json")
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).expect("spooled batch");
            serde_json::from_str::<Vec<CallbackItem>>(&text).expect("a batch of results")
        })
        .collect();
    let result = spooled
        .iter()
        .find(|r| r.log_id == 4201)
        .unwrap_or_else(|| panic!("the result waits on disk: {spooled:?}\n{}", sample.log()));
    assert_eq!(result.handle_code, 200, "{result:?}");
}
