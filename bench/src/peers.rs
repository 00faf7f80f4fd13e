//! Peers installed at bench time into a cache directory outside the repository, through
//! their registries' ordinary clients (never vendored): ratch-job (`cargo install ratchjob`),
//! pyxxl (`pip install pyxxl`), and xxljob-sdk-rs, a library crate, which becomes a runnable
//! executor through a ten-line `main` generated here and built with `cargo build`.
//!
//! Every function returns an error that says why a peer is unavailable; the scenario
//! prints it and the others still run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// Runs `command`, its output going to `log`; fails with the log's tail.
fn run_logged(mut command: Command, log: &Path, what: &str) -> Result<()> {
    let file = std::fs::File::create(log)?;
    let status = command
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .with_context(|| format!("cannot run {what}"))?;
    if !status.success() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(5).collect();
        bail!(
            "{what} failed ({status}): {}",
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        );
    }
    Ok(())
}

/// `ratchjob`, installed with `cargo install ratchjob --locked`.
pub fn ratchjob(cache: &Path) -> Result<PathBuf> {
    let root = cache.join("ratchjob");
    let binary = root.join("bin/ratchjob");
    if !binary.exists() {
        std::fs::create_dir_all(cache)?;
        eprintln!("   installing ratchjob with cargo install (minutes, once)…");
        let mut command = Command::new("cargo");
        command
            .args(["install", "ratchjob", "--locked", "--root"])
            .arg(&root);
        run_logged(
            command,
            &cache.join("ratchjob-install.log"),
            "cargo install ratchjob",
        )?;
    }
    Ok(binary)
}

/// The `PYTHONPATH` holding pyxxl, installed with `pip install --target`.
pub fn pyxxl(cache: &Path) -> Result<PathBuf> {
    let target = cache.join("pyxxl");
    if !target.join("pyxxl").exists() {
        std::fs::create_dir_all(cache)?;
        eprintln!("   installing pyxxl with pip…");
        let mut command = Command::new("python3");
        command
            .args(["-m", "pip", "install", "--quiet", "--target"])
            .arg(&target)
            .arg("pyxxl");
        run_logged(
            command,
            &cache.join("pyxxl-install.log"),
            "pip install pyxxl",
        )?;
    }
    Ok(target)
}

/// The pyxxl executor script: a no-op async handler, as pyxxl's README registers one.
pub const PYXXL_RUNNER: &str = r#"
import sys
from pyxxl import ExecutorConfig, PyxxlRunner

port, admin, log_dir, token = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
config = ExecutorConfig(
    xxl_admin_baseurl=admin.rstrip("/") + "/api/",
    executor_app_name="bench",
    access_token=token,
    executor_listen_host="127.0.0.1",
    executor_listen_port=port,
    executor_url=f"http://127.0.0.1:{port}",
    executor_log_path=log_dir + "/pyxxl.log",
    log_local_dir=log_dir,
    task_queue_length=1000,
    dotenv_try=False,
)
app = PyxxlRunner(config)

@app.register(name="noop")
async def noop():
    return ""

app.run_executor()
"#;

/// A runnable xxljob-sdk-rs executor, built from a generated crate in the cache.
pub fn xxljob_sdk_rs(cache: &Path) -> Result<PathBuf> {
    let dir = cache.join("xxljob-sdk-rs-peer");
    let binary = dir.join("target/release/xxljob-sdk-rs-peer");
    if !binary.exists() {
        std::fs::create_dir_all(dir.join("src"))?;
        std::fs::write(dir.join("Cargo.toml"), XXLJOB_PEER_MANIFEST)?;
        std::fs::write(dir.join("src/main.rs"), XXLJOB_PEER_MAIN)?;
        eprintln!("   building an xxljob-sdk-rs executor (minutes, once)…");
        let mut command = Command::new("cargo");
        command
            .args(["build", "--release", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", dir.join("target"));
        run_logged(
            command,
            &cache.join("xxljob-sdk-rs-build.log"),
            "cargo build of the xxljob-sdk-rs executor",
        )?;
    }
    Ok(binary)
}

const XXLJOB_PEER_MANIFEST: &str = r#"[package]
name = "xxljob-sdk-rs-peer"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
xxljob-sdk-rs = "0.1"
tokio = { version = "1", features = ["full"] }
async-trait = "0.1"
anyhow = "1"
"#;

const XXLJOB_PEER_MAIN: &str = r#"//! A no-op executor on xxljob-sdk-rs, for Jobwheel's benchmark.
use std::sync::Arc;
use async_trait::async_trait;
use xxljob_sdk_rs::{AsyncJobHandler, JobContext, JobHandler, XxlClientBuilder};

struct Noop;

#[async_trait]
impl AsyncJobHandler for Noop {
    async fn process(&self, context: JobContext) -> anyhow::Result<JobContext> {
        Ok(context)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let client = XxlClientBuilder::new(args[2].clone())
        .set_access_token(args[4].clone())
        .set_app_name("bench".to_string())
        .set_ip("127.0.0.1".to_string())
        .set_port(args[1].parse()?)
        .set_log_path(args[3].clone())
        .build()?;
    client.register(Arc::new("noop".to_owned()), JobHandler::Async(Arc::new(Noop)))?;
    tokio::signal::ctrl_c().await?;
    Ok(())
}
"#;
