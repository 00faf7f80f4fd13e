//! The admin as a separate process (the release binary), so its CPU time and memory are
//! its own: started on a free loopback port over a fresh database, stopped with SIGTERM.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::procfs::{self, Sample};

/// The access token shared by the admin and the benchmark's executors.
pub const TOKEN: &str = "bench-token";

/// A running admin process.
pub struct AdminProcess {
    child: Child,
    /// Time from spawn to the first `/readyz` that answered 200.
    pub cold_start: Duration,
}

/// The admin binary beside this one (`target/release/jobwheel-admin` for a release build).
pub fn default_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("jobwheel-admin")))
        .unwrap_or_else(|| PathBuf::from("target/release/jobwheel-admin"))
}

/// A free loopback port (bound, read, released: the admin binds it right after).
pub fn free_port() -> Result<u16> {
    ReservedPort::new()?.port()
}

/// A loopback port held (bound) until the process meant to listen on it is about to start.
///
/// The harness picks the admin's port before it starts the executors (they are told the
/// admin's address), and each executor binds port 0: a port already released could be handed
/// to one of them, and the admin then failed with "address in use" while the executor's
/// answer to `/readyz` passed for the admin's (seen once in CI).
pub struct ReservedPort(std::net::TcpListener);

impl ReservedPort {
    /// Binds a free loopback port.
    pub fn new() -> Result<Self> {
        Ok(Self(std::net::TcpListener::bind("127.0.0.1:0")?))
    }

    /// The port held.
    pub fn port(&self) -> Result<u16> {
        Ok(self.0.local_addr()?.port())
    }
}

impl AdminProcess {
    /// Starts `binary` over `database_url` with `env` added, and waits for `/readyz`.
    pub async fn start(binary: &Path, database_url: &str, env: &[(&str, String)]) -> Result<Self> {
        Self::start_on(free_port()?, binary, database_url, env).await
    }

    /// [`start`](Self::start) on a given port.
    pub async fn start_on(
        port: u16,
        binary: &Path,
        database_url: &str,
        env: &[(&str, String)],
    ) -> Result<Self> {
        if !binary.exists() {
            bail!(
                "{} not found: build it with `cargo build --release -p jobwheel-admin` (or pass --admin-bin)",
                binary.display()
            );
        }
        let url = format!("http://127.0.0.1:{port}");
        let mut command = Command::new(binary);
        command
            .env("JOBWHEEL_LISTEN", format!("127.0.0.1:{port}"))
            .env("JOBWHEEL_DATABASE_URL", database_url)
            .env("JOBWHEEL_ACCESS_TOKEN", TOKEN)
            .env("JOBWHEEL_TIME_ZONE", "UTC")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let client = reqwest::Client::new();
        let started = Instant::now();
        let mut child = command.spawn().context("spawn the admin")?;
        let ready = format!("{url}/readyz");
        loop {
            // The body too: only the admin answers "ready" (an executor answers any path).
            if let Ok(response) = client.get(&ready).send().await
                && response.status().is_success()
                && response.text().await.is_ok_and(|body| body == "ready")
            {
                break;
            }
            if let Some(status) = child.try_wait()? {
                bail!("the admin exited during start-up: {status}");
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                bail!("the admin was not ready within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(Self {
            cold_start: started.elapsed(),
            child,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time and memory now.
    pub fn sample(&self) -> Result<Sample> {
        procfs::sample(self.pid())
    }

    /// SIGTERM, then waits (bounded) for the graceful stop; kills it after 15 s.
    pub async fn stop(mut self) -> Result<()> {
        let pid = libc::pid_t::try_from(self.child.id())?;
        // SAFETY: signalling the child we spawned and still own.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.child.kill()?;
        self.child.wait()?;
        bail!("the admin did not stop within 15 s of SIGTERM")
    }
}

impl Drop for AdminProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
