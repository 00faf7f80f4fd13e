//! Jobwheel beside ratch-job (a Rust XXL-JOB-compatible admin, `cargo install ratchjob` at
//! bench time), the same executors driving both: fires/s, lateness, admin CPU per fire and
//! memory, at the rate ratch-job's README quotes (1,000 fires/s) and above it.
//!
//! Both admins get `rate` one-second jobs routed round-robin over the same four SDK
//! executors in this process; the figures come from what the executors ran in a steady
//! window. Jobwheel's lateness is the run's start minus the fire time it carries
//! (`logDateTime`). ratch-job sends the job's last-modified time there instead, so its
//! lateness is the run's start minus the whole second it started in (it schedules on whole
//! seconds; exact while lateness stays under a second), and one of its fires is a (job,
//! second) pair: two runs of a job in one second count as a double.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use jobwheel_admin::time::now_ms;
use serde_json::{Value, json};

use super::pick;
use crate::Opts;
use crate::admin::{ReservedPort, TOKEN};
use crate::db::Kind;
use crate::executors::{self, ExecutorSet, HANDLER, Judged, Recorder, Run};
use crate::load::Load;
use crate::peers;
use crate::procfs;
use crate::report::{Report, Target, percentile};

const NAME: &str = "peer admin";
const EXECUTORS: usize = 4;

/// What one admin did in the window.
struct Side {
    fires_per_s: f64,
    p50: f64,
    p99: f64,
    max: f64,
    missing: i64,
    doubled: i64,
    cpu_us_per_fire: f64,
    cpu_share: f64,
    peak_rss: f64,
    /// What `peak_rss` covers (see [`procfs::open_peak_window`]).
    peak_scope: String,
}

/// Runs both admins at 1,000 and 2,000 fires/s (or `--rate`).
pub async fn run(opts: &Opts, report: &mut Report) -> Result<()> {
    if opts.smoke {
        eprintln!("   --smoke: peers skipped");
        return Ok(());
    }
    let ratch = match peers::ratchjob(&opts.cache_dir()) {
        Ok(bin) => bin,
        Err(e) => {
            report.missing(NAME, "ratch-job", "fires/s", format!("unavailable: {e:#}"));
            return Ok(());
        }
    };
    let rates: Vec<i64> = opts.rate.map_or(vec![1000, 2000], |r| vec![r]);
    let secs = pick(opts, 20, 3);
    for rate in rates {
        let ours = jobwheel(opts, rate, secs).await?;
        add(report, "jobwheel (MariaDB)", rate, secs, &ours, true);
        match ratch_job(&ratch, rate, secs).await {
            Ok(theirs) => add(report, "ratch-job", rate, secs, &theirs, false),
            Err(e) => report.missing(
                NAME,
                "ratch-job",
                &format!("fires/s at {rate}/s"),
                format!("failed: {e:#}"),
            ),
        }
    }
    Ok(())
}

fn add(report: &mut Report, subject: &str, rate: i64, secs: i64, side: &Side, ours: bool) {
    let t = |target| if ours { target } else { Target::None };
    let f = |what: &str| format!("{what} at {rate}/s offered");
    report.add(
        NAME,
        subject,
        &f("fires/s"),
        side.fires_per_s,
        "/s",
        Target::None,
        format!("{EXECUTORS} executors, {secs} s window"),
    );
    report.add(
        NAME,
        subject,
        &f("p50 lateness"),
        side.p50,
        "ms",
        Target::None,
        if ours {
            "start − logDateTime (the fire time)"
        } else {
            "start − whole second"
        },
    );
    report.add(
        NAME,
        subject,
        &f("p99 lateness"),
        side.p99,
        "ms",
        t(Target::AtMost(20.0)),
        "",
    );
    report.add(
        NAME,
        subject,
        &f("max lateness"),
        side.max,
        "ms",
        t(Target::AtMost(100.0)),
        "",
    );
    report.add(
        NAME,
        subject,
        &f("missing / doubled"),
        (side.missing + side.doubled) as f64,
        "",
        t(Target::AtMost(0.0)),
        format!("{} missing, {} doubled", side.missing, side.doubled),
    );
    report.add(
        NAME,
        subject,
        &f("admin CPU per fire"),
        side.cpu_us_per_fire,
        "µs",
        t(Target::AtMost(100.0)),
        format!("{:.0} % of one core", side.cpu_share * 100.0),
    );
    report.add(
        NAME,
        subject,
        &f("admin peak RSS"),
        side.peak_rss,
        "MiB",
        Target::None,
        side.peak_scope.as_str(),
    );
}

/// Reads the window `[from, to)` (epoch ms) off what the executors ran. `scheduled` says
/// which instant a run stands for: its `logDateTime` where the admin sends the fire time
/// (Jobwheel), else the whole second it started in.
fn judge(
    recorder: &Recorder,
    jobs: i64,
    (from, to): (i64, i64),
    cpu_seconds: f64,
    scheduled: impl Fn(&Run) -> i64,
) -> Side {
    let Judged {
        late,
        missing,
        doubled,
    } = executors::judge(&recorder.runs(), jobs, (from, to), scheduled);
    let secs = (to - from) / 1000;
    let fires = late.len() as f64;
    Side {
        fires_per_s: fires / secs as f64,
        p50: percentile(&late, 50.0),
        p99: percentile(&late, 99.0),
        max: percentile(&late, 100.0),
        missing,
        doubled,
        cpu_us_per_fire: cpu_seconds * 1e6 / fires.max(1.0),
        cpu_share: cpu_seconds / secs as f64,
        peak_rss: 0.0,
        peak_scope: String::new(),
    }
}

/// The window: from a whole second `warmup` after `start`, `secs` whole seconds long.
fn window(start: i64, warmup: i64, secs: i64) -> (i64, i64) {
    let from = (start + warmup) / 1000 * 1000 + 1000;
    (from, from + secs * 1000)
}

async fn sleep_until(at: i64) {
    let wait = at - now_ms();
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
}

async fn jobwheel(opts: &Opts, rate: i64, secs: i64) -> Result<Side> {
    let queue = [("JOBWHEEL_POOL_QUEUE_SIZE", (2 * rate).max(2000).to_string())];
    let load = Load::start(
        Kind::Mariadb,
        &opts.mysql_url,
        &opts.admin_binary(),
        EXECUTORS,
        rate,
        true,
        &queue,
    )
    .await?;
    let (from, to) = window(load.first_fire, 2000, secs);
    sleep_until(from).await;
    let peak_scope = procfs::open_peak_window(load.admin.pid());
    let a = load.admin.sample()?;
    sleep_until(to).await;
    let b = load.admin.sample()?;
    sleep_until(to + 2000).await;
    let mut side = judge(
        &load.executors.recorder,
        rate,
        (from, to),
        b.cpu_seconds - a.cpu_seconds,
        |r| r.scheduled,
    );
    side.peak_rss = b.peak_rss_mib;
    side.peak_scope = peak_scope;
    load.stop().await?;
    Ok(side)
}

/// Kills ratch-job when the measurement ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn ratch_job(binary: &Path, rate: i64, secs: i64) -> Result<Side> {
    let data = tempfile::tempdir()?;
    // Held together, so the three are distinct; released right before ratch-job binds them.
    let held = [
        ReservedPort::new()?,
        ReservedPort::new()?,
        ReservedPort::new()?,
    ];
    let (api, console, grpc) = (held[0].port()?, held[1].port()?, held[2].port()?);
    drop(held);
    let child = Command::new(binary)
        .current_dir(data.path())
        .env("RATCH_DATA_DIR", data.path().join("ratch_db"))
        .env("RATCH_HTTP_API_PORT", api.to_string())
        .env("RATCH_HTTP_CONSOLE_PORT", console.to_string())
        .env("RATCH_GRPC_CLUSTER_PORT", grpc.to_string())
        .env("RATCH_XXL_DEFAULT_ACCESS_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("start ratchjob")?;
    let mut running = Running(child);
    let base = format!("http://127.0.0.1:{api}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/api/v1/about")).send().await
            && r.status().is_success()
        {
            break;
        }
        if let Some(status) = running.0.try_wait()? {
            bail!("ratchjob exited at start: {status}");
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("ratchjob did not answer within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Executors register (heartbeat at start) before the jobs that route to them exist.
    let executors =
        ExecutorSet::start(EXECUTORS, "bench", &format!("{base}/xxl-job-admin"), true).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = Arc::new(client);
    let created = futures::stream::iter(0..rate)
        .map(|i| {
            let (client, base) = (client.clone(), base.clone());
            async move {
                let reply: Value = client
                    .post(format!("{base}/ratch/v1/job/create"))
                    .json(&json!({
                        "enable": true,
                        "appName": "bench",
                        "namespace": "xxl", // where ratch-job files XXL-JOB executors
                        "description": format!("bench {i}"),
                        "scheduleType": "INTERVAL",
                        "intervalSecond": 1,
                        "runMode": "BEAN",
                        "handleName": HANDLER,
                        "routerStrategy": "ROUND_ROBIN",
                        "pastDueStrategy": "DEFAULT",
                        "blockingStrategy": "SERIAL_EXECUTION",
                        "timeoutSecond": 0,
                        "tryTimes": 0
                    }))
                    .send()
                    .await?
                    .json()
                    .await?;
                // Its API answers `{"code":200,"content":{…}}` (or `success: true`).
                let ok = reply.get("success").and_then(Value::as_bool) == Some(true)
                    || reply.get("code").and_then(Value::as_i64) == Some(200);
                if !ok {
                    bail!("job/create answered {reply}");
                }
                anyhow::Ok(())
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    if let Some(Err(e)) = created.into_iter().find(Result::is_err) {
        return Err(e);
    }
    let pid = running.0.id();
    let (from, to) = window(now_ms(), 3000, secs);
    sleep_until(from).await;
    let peak_scope = procfs::open_peak_window(pid);
    let a = procfs::sample(pid)?;
    sleep_until(to).await;
    let b = procfs::sample(pid)?;
    sleep_until(to + 2000).await;
    let mut side = judge(
        &executors.recorder,
        rate,
        (from, to),
        b.cpu_seconds - a.cpu_seconds,
        |r| r.started / 1000 * 1000,
    );
    side.peak_rss = b.peak_rss_mib;
    side.peak_scope = peak_scope;
    drop(running);
    executors.stop().await;
    Ok(side)
}
