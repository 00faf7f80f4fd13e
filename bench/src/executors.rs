//! Jobwheel SDK executors for the scenarios: a no-op handler that counts runs and, for the
//! lateness scenario, records when each run started against when it was scheduled.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Result;
use jobwheel_admin::time::now_ms;
use jobwheel_executor::Executor;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::admin::TOKEN;

/// The handler name the benchmark's jobs call.
pub const HANDLER: &str = "noop";

/// One run as the handler saw it.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// The job.
    pub job_id: i32,
    /// Scheduled instant (`logDateTime`), epoch ms.
    pub scheduled: i64,
    /// When the handler started, epoch ms.
    pub started: i64,
}

/// What the runs of a window say about the fires due in it.
pub struct Judged {
    /// Start minus scheduled instant of every run, ms, sorted.
    pub late: Vec<f64>,
    /// (job, instant) pairs that never ran.
    pub missing: i64,
    /// Runs beyond the first of a (job, instant) pair.
    pub doubled: i64,
}

/// Judges the runs standing for instants in `[from, to)` (epoch ms) of `jobs` jobs that
/// each fire once a second; `scheduled` says which instant a run stands for.
pub fn judge(
    runs: &[Run],
    jobs: i64,
    (from, to): (i64, i64),
    scheduled: impl Fn(&Run) -> i64,
) -> Judged {
    let mut per_fire: HashMap<(i32, i64), i64> = HashMap::new();
    let mut late = Vec::new();
    for run in runs {
        let instant = scheduled(run);
        if !(from..to).contains(&instant) {
            continue;
        }
        *per_fire.entry((run.job_id, instant)).or_default() += 1;
        late.push((run.started - instant) as f64);
    }
    late.sort_by(f64::total_cmp);
    let expected = jobs * ((to - from) / 1000);
    Judged {
        late,
        missing: (expected - per_fire.len() as i64).max(0),
        doubled: per_fire.values().map(|n| n - 1).sum(),
    }
}

/// What every executor of a set saw.
#[derive(Default)]
pub struct Recorder {
    runs: AtomicU64,
    record: bool,
    seen: Mutex<Vec<Run>>,
}

impl Recorder {
    /// Runs so far.
    pub fn count(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// Every recorded run (empty unless recording).
    pub fn runs(&self) -> Vec<Run> {
        self.seen.lock().map(|v| v.clone()).unwrap_or_default()
    }

    fn note(&self, run: Run) {
        self.runs.fetch_add(1, Ordering::Relaxed);
        if self.record
            && let Ok(mut seen) = self.seen.lock()
        {
            seen.push(run);
        }
    }
}

/// A fresh directory for executors' run logs (and callback spools): on tmpfs (`/dev/shm`)
/// where there is one.
///
/// Why: every run writes a log file, and on this VM's ext4, creating files soon after
/// earlier runs deleted hundreds of thousands of them made the kernel's inode allocator
/// (`find_inode_bit`, `recently_deleted`) take half of both cores for the first ~7 s of
/// every scenario (perf, BENCHMARKS.md "Lateness"): a cost of the disk under the executors,
/// the same whichever admin drives them, not of scheduling.
pub fn log_dir() -> Result<tempfile::TempDir> {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return Ok(dir);
    }
    Ok(tempfile::tempdir()?)
}

/// `n` SDK executors on loopback, reporting to `admin_url`.
pub struct ExecutorSet {
    /// Their addresses, as a group lists them.
    pub addresses: Vec<String>,
    /// What they ran.
    pub recorder: Arc<Recorder>,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl ExecutorSet {
    /// Starts `n` executors of `app_name`; `record` keeps every run (lateness).
    pub async fn start(n: usize, app_name: &str, admin_url: &str, record: bool) -> Result<Self> {
        let dir = log_dir()?;
        let recorder = Arc::new(Recorder {
            record,
            ..Recorder::default()
        });
        let stop = CancellationToken::new();
        let mut addresses = Vec::new();
        let mut tasks = Vec::new();
        for i in 0..n {
            let rec = recorder.clone();
            let executor = Executor::builder()
                .admin_address(admin_url)
                .app_name(app_name)
                .access_token(TOKEN)
                .bind_ip([127, 0, 0, 1].into())
                .port(0)
                .log_path(dir.path().join(format!("logs-{i}")))
                .callback_dir(dir.path().join(format!("callbacks-{i}")))
                .handler(HANDLER, move |ctx| {
                    let rec = rec.clone();
                    async move {
                        rec.note(Run {
                            job_id: ctx.job_id(),
                            scheduled: ctx.trigger_time_millis(),
                            started: now_ms(),
                        });
                        Ok::<_, std::convert::Infallible>(String::new())
                    }
                })
                .build()?
                .bind()
                .await?;
            addresses.push(executor.address().to_string());
            let stop = stop.clone();
            tasks.push(tokio::spawn(async move {
                if let Err(error) = executor.run(stop.cancelled_owned()).await {
                    eprintln!("executor stopped with an error: {error}");
                }
            }));
        }
        Ok(Self {
            addresses,
            recorder,
            stop,
            tasks,
            _dir: dir,
        })
    }

    /// Stops them all (each deregisters and flushes its callbacks).
    pub async fn stop(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
