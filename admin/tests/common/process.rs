//! The real `jobwheel-admin` binary as a child process: started with `JOBWHEEL_*` settings on
//! a free port of a loopback address, waited for on `/readyz`, stopped with SIGTERM (graceful)
//! or SIGKILL (a crash). Its output goes to a file the test prints when it fails.
#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::process::{Child, Command};

/// A free TCP port on `ip` (bound and released; the child binds it right after).
pub fn free_port(ip: IpAddr) -> u16 {
    std::net::TcpListener::bind(SocketAddr::new(ip, 0))
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("no free port on {ip}: {e}"))
        .port()
}

/// One running `jobwheel-admin` process.
pub struct AdminProcess {
    /// `http://ip:port`.
    pub base: String,
    /// Where its stdout and stderr go (appended across restarts).
    pub log_file: PathBuf,
    listen: SocketAddr,
    settings: Vec<(String, String)>,
    child: Child,
}

impl AdminProcess {
    /// Starts the binary listening on `listen`, with `settings` as environment variables
    /// (`JOBWHEEL_DATABASE_URL`…). Inherited `JOBWHEEL_*` variables are removed, so only the
    /// test's settings count.
    pub fn start(listen: SocketAddr, settings: &[(&str, String)], log_file: &Path) -> Self {
        let settings: Vec<(String, String)> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let child = spawn(listen, &settings, log_file);
        Self {
            base: format!("http://{listen}"),
            log_file: log_file.to_path_buf(),
            listen,
            settings,
            child,
        }
    }

    /// Starts the same binary again with the same settings (after it stopped).
    pub fn restart(&mut self) {
        self.child = spawn(self.listen, &self.settings, &self.log_file);
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("the admin is running")
    }

    /// True while the process has not exited (it did not crash or panic its way out).
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits (bounded) until `/readyz` answers 200.
    pub async fn wait_ready(&mut self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        let http = reqwest::Client::new();
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                panic!(
                    "admin exited with {status} before it was ready\n{}",
                    self.log()
                );
            }
            let ready = http
                .get(format!("{}/readyz", self.base))
                .timeout(Duration::from_secs(1))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ready {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "admin {} not ready within {within:?}\n{}",
                self.base,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends SIGTERM: the graceful stop that `docker stop` and Kubernetes ask for.
    pub fn terminate(&self) {
        signal(self.pid(), libc::SIGTERM);
    }

    /// Sends SIGKILL (`kill -9`): the process dies at once, mid-whatever.
    pub fn kill_9(&self) {
        signal(self.pid(), libc::SIGKILL);
    }

    /// Waits (bounded) for the process to exit; panics with its log when it does not.
    pub async fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => status.expect("wait for the admin"),
            Err(_) => {
                let _ = self.child.start_kill();
                panic!(
                    "admin {} did not exit within {within:?}\n{}",
                    self.base,
                    self.log()
                );
            }
        }
    }

    /// Everything the process (and its earlier runs) printed.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }

    /// GETs `path` of the admin and returns the body (panics on a non-200 answer).
    pub async fn get(&self, path: &str) -> String {
        let response = reqwest::get(format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("body")
    }
}

fn spawn(listen: SocketAddr, settings: &[(String, String)], log_file: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_file)
        .expect("admin log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_jobwheel-admin"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("JOBWHEEL_")) {
        command.env_remove(key);
    }
    command
        .env("JOBWHEEL_LISTEN", listen.to_string())
        .env("JOBWHEEL_TIME_ZONE", "UTC")
        .env("RUST_LOG", "info")
        .envs(settings.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .kill_on_drop(true);
    command.spawn().expect("start jobwheel-admin")
}

fn signal(pid: u32, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(pid).expect("pid");
    // SAFETY: kill(2) with a pid we spawned and a valid signal number has no memory effects.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal}) failed");
}
