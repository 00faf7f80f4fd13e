//! `/run` requests per second an executor accepts and completes, Jobwheel's SDK side by side
//! with the XXL-JOB executors from the package registries (xxljob-sdk-rs, pyxxl).
//!
//! Each executor runs as a process of its own with a no-op handler and reports to the same
//! [`CallbackSink`]; the same load generator posts `/run` (distinct log ids, spread over
//! many job ids, so per-job serial queues do not serialise the load) from a fixed number of
//! concurrent callers. "Accepted" counts answers with code 200; "completed" counts results
//! called back, until the callbacks caught up with the accepted runs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use jobwheel_executor::Executor;
use serde_json::Value;

use super::ceiling::trigger_body;
use super::window;
use crate::admin::{TOKEN, free_port};
use crate::peers;
use crate::procfs;
use crate::report::{Report, Target};
use crate::sink::CallbackSink;
use crate::{Opts, executors};

const NAME: &str = "executor";
/// Concurrent callers of `/run`.
const CALLERS: usize = 64;
/// Distinct job ids the runs are spread over.
const JOBS: i64 = 1000;

/// How to start one executor: `(port, admin_url, log_dir)` → command.
type Launch = Box<dyn Fn(u16, &str, &Path) -> Command>;

/// Measures every executor available.
pub async fn run(opts: &Opts, report: &mut Report) -> Result<()> {
    let exe = std::env::current_exe()?;
    let jobwheel: Launch = Box::new(move |port, admin, dir| {
        let mut c = Command::new(&exe);
        c.arg("--serve-executor")
            .arg(port.to_string())
            .arg(admin)
            .arg(dir);
        c
    });
    let mut subjects: Vec<(&str, Result<Launch>)> = vec![("jobwheel-executor", Ok(jobwheel))];
    if opts.smoke {
        eprintln!("   --smoke: peers skipped");
    } else {
        let cache = opts.cache_dir();
        subjects.push((
            "xxljob-sdk-rs",
            peers::xxljob_sdk_rs(&cache).map(|bin| {
                Box::new(move |port: u16, admin: &str, dir: &Path| {
                    let mut c = Command::new(&bin);
                    c.arg(port.to_string()).arg(admin).arg(dir).arg(TOKEN);
                    c
                }) as Launch
            }),
        ));
        subjects.push(("pyxxl", pyxxl_launch(&cache)));
    }
    let window = window(opts, 10, 2);
    for (name, launch) in subjects {
        let outcome = match launch {
            Ok(launch) => measure(&launch, window).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(m) => {
                let target = |t| {
                    if name == "jobwheel-executor" {
                        Target::AtLeast(t)
                    } else {
                        Target::None
                    }
                };
                report.add(
                    NAME,
                    name,
                    "/run accepted/s",
                    m.accepted,
                    "/s",
                    target(10_000.0),
                    format!("{CALLERS} callers, {:.0} s", window.as_secs_f64()),
                );
                report.add(
                    NAME,
                    name,
                    "/run completed/s",
                    m.completed,
                    "/s",
                    target(10_000.0),
                    format!("{} of {} called back", m.called_back, m.accepted_total),
                );
                report.add(
                    NAME,
                    name,
                    "CPU per run",
                    m.cpu_us_per_run,
                    "µs",
                    Target::None,
                    "executor process utime+stime per accepted run",
                );
                report.add(NAME, name, "peak RSS", m.peak_rss, "MiB", Target::None, "");
            }
            Err(e) => report.missing(
                NAME,
                name,
                "/run completed/s",
                format!("unavailable: {e:#}"),
            ),
        }
    }
    Ok(())
}

fn pyxxl_launch(cache: &Path) -> Result<Launch> {
    let path = peers::pyxxl(cache)?;
    let script = cache.join("pyxxl_runner.py");
    std::fs::write(&script, peers::PYXXL_RUNNER)?;
    Ok(Box::new(move |port, admin, dir| {
        let mut c = Command::new("python3");
        c.arg(&script)
            .arg(port.to_string())
            .arg(admin)
            .arg(dir)
            .arg(TOKEN)
            .env("PYTHONPATH", &path);
        c
    }))
}

struct Measured {
    accepted: f64,
    completed: f64,
    accepted_total: u64,
    called_back: u64,
    cpu_us_per_run: f64,
    peak_rss: f64,
}

/// Kills the executor when the measurement ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn measure(launch: &Launch, window: Duration) -> Result<Measured> {
    let sink = CallbackSink::start().await?;
    let dir = crate::executors::log_dir()?;
    let port = free_port()?;
    let child = launch(port, &sink.url, dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("start the executor")?;
    let mut running = Running(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    wait_ready(&client, &base, &mut running.0).await?;
    let pid = running.0.id();
    let before = procfs::sample(pid)?;

    let accepted = Arc::new(AtomicU64::new(0));
    let log_ids = Arc::new(AtomicI64::new(1));
    let started = Instant::now();
    let deadline = started + window;
    let mut callers = Vec::new();
    for _ in 0..CALLERS {
        let (client, url, accepted, log_ids) = (
            client.clone(),
            format!("{base}/run"),
            accepted.clone(),
            log_ids.clone(),
        );
        callers.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let log_id = log_ids.fetch_add(1, Ordering::Relaxed);
                let body = trigger_body(i32::try_from(log_id % JOBS + 1).unwrap_or(1), log_id);
                let reply: Value = client
                    .post(&url)
                    .header("XXL-JOB-ACCESS-TOKEN", TOKEN)
                    .header("XXL-RPC-ACCESS-TOKEN", TOKEN)
                    .json(&body)
                    .send()
                    .await?
                    .json()
                    .await?;
                if reply.get("code").and_then(Value::as_i64) == Some(200) {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
            }
            anyhow::Ok(())
        }));
    }
    for caller in callers {
        caller.await??;
    }
    let accepted_total = accepted.load(Ordering::Relaxed);
    let accept_secs = started.elapsed().as_secs_f64();
    // Completion: until every accepted run was called back (bounded).
    let drain = Instant::now() + Duration::from_secs(15);
    while sink.count() < accepted_total && Instant::now() < drain {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let complete_secs = started.elapsed().as_secs_f64();
    let after = procfs::sample(pid)?;
    let called_back = sink.count();
    if accepted_total == 0 {
        bail!("the executor accepted no run");
    }
    Ok(Measured {
        accepted: accepted_total as f64 / accept_secs,
        completed: called_back as f64 / complete_secs,
        accepted_total,
        called_back,
        cpu_us_per_run: (after.cpu_seconds - before.cpu_seconds) * 1e6 / accepted_total as f64,
        peak_rss: after.peak_rss_mib,
    })
}

/// Waits until the executor answers `/beat` (bounded), or fails if it exited.
async fn wait_ready(client: &reqwest::Client, base: &str, child: &mut Child) -> Result<()> {
    let started = Instant::now();
    loop {
        let beat = client
            .post(format!("{base}/beat"))
            .header("XXL-JOB-ACCESS-TOKEN", TOKEN)
            .body("{}")
            .header("content-type", "application/json")
            .send()
            .await;
        if matches!(beat, Ok(ref r) if r.status().is_success()) {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("the executor exited at start: {status}");
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the executor did not answer /beat within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `--serve-executor PORT ADMIN_URL LOG_DIR`: one Jobwheel SDK executor with the no-op
/// handler, until SIGTERM or Ctrl-C.
pub async fn serve(args: &[String]) -> Result<()> {
    let [port, admin, dir] = args else {
        bail!("--serve-executor takes PORT ADMIN_URL LOG_DIR");
    };
    let dir = PathBuf::from(dir);
    let executor = Executor::builder()
        .admin_address(admin)
        .app_name("bench")
        .access_token(TOKEN)
        .bind_ip([127, 0, 0, 1].into())
        .port(port.parse()?)
        .log_path(dir.join("logs"))
        .callback_dir(dir.join("callbacks"))
        .handler(executors::HANDLER, |_ctx| async {
            Ok::<_, std::convert::Infallible>(String::new())
        })
        .build()?;
    executor
        .run(async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
            }
        })
        .await?;
    Ok(())
}
