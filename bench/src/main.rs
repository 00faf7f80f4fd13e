//! `jobwheel-bench`: Jobwheel's benchmark harness (issue 7). Each scenario starts what it
//! needs on loopback (an admin over a fresh MariaDB or SQLite database, executors), measures,
//! and adds its figures to one table printed at the end, with the targets beside them.
//!
//! Benchmarks print figures; they are never timed unit tests. `--smoke` runs every scenario
//! for a couple of seconds with small counts, so CI keeps the harness from rotting without
//! judging figures taken on a busy machine.

mod admin;
mod db;
mod executors;
mod jobs;
mod load;
mod peers;
mod procfs;
mod report;
mod scenarios;
mod sink;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, ValueEnum};

use crate::db::Kind;
use crate::report::Report;

/// A scenario of issue 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// Every scenario below, in this order.
    All,
    /// Raw MariaDB rate of what one fire costs, and raw loopback HTTP rate of a bare axum handler.
    Ceiling,
    /// End-to-end fires/s with 1, 4 and 16 executors, MariaDB and SQLite.
    Throughput,
    /// 1,000 jobs firing every second: fire time minus scheduled time; missing and doubled.
    Lateness,
    /// 100,000 enabled jobs, few due: CPU and DB time per scan.
    Scan,
    /// Admin RSS idle and under load; cold start to /readyz.
    Footprint,
    /// `/run` requests per second the SDK accepts and completes, beside peer executors.
    Executor,
    /// Throughput and lateness against ratch-job, the same executors driving both.
    PeerAdmin,
}

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "jobwheel-bench",
    about = "Jobwheel benchmark harness: prints a table of figures"
)]
pub struct Opts {
    /// Scenarios to run.
    #[arg(value_enum, default_values_t = [Scenario::All])]
    pub scenarios: Vec<Scenario>,
    /// Each scenario for a couple of seconds with small counts (CI); skips the peers.
    #[arg(long)]
    pub smoke: bool,
    /// Which databases to run on.
    #[arg(long, value_delimiter = ',', default_values = ["mariadb", "sqlite"])]
    pub db: Vec<DbArg>,
    /// MariaDB server (a fresh `jwbench_*` database is created on it per scenario and dropped).
    #[arg(
        long,
        env = "JOBWHEEL_BENCH_MYSQL_URL",
        default_value = "mysql://root@127.0.0.1:3306"
    )]
    pub mysql_url: String,
    /// The admin binary (default: `jobwheel-admin` beside this binary).
    #[arg(long)]
    pub admin_bin: Option<PathBuf>,
    /// Where peers (ratch-job, pyxxl, xxljob-sdk-rs) are installed at bench time.
    #[arg(long, env = "JOBWHEEL_BENCH_CACHE")]
    pub cache: Option<PathBuf>,
    /// Seconds of each lateness run (default 60; 3 with --smoke).
    #[arg(long)]
    pub lateness_secs: Option<u64>,
    /// Jobs of the lateness scenario, each firing every second on the same whole second;
    /// several (`1000,100`) run it once per count, which shows how lateness grows with
    /// the size of the burst (default 1000; 50 with --smoke).
    #[arg(long, value_delimiter = ',')]
    pub lateness_jobs: Vec<i64>,
    /// Lateness: also write every run as `job,scheduled_ms,started_ms` to
    /// `<PATH>-<db>-<jobs>.csv`, to see how lateness moves second by second.
    #[arg(long)]
    pub runs_csv: Option<PathBuf>,
    /// Jobs offered to the throughput scenario, each firing once a second (default 2000, the
    /// target; 100 with --smoke); the peer admin scenario runs 1000 and 2000 unless set.
    #[arg(long)]
    pub rate: Option<i64>,
    /// Write the table to this file too.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Internal: serve a Jobwheel SDK executor (the executor scenario runs each executor
    /// as a process of its own, peers included).
    #[arg(long, hide = true, num_args = 3, value_names = ["PORT", "ADMIN_URL", "LOG_DIR"])]
    pub serve_executor: Option<Vec<String>>,
}

/// A database choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DbArg {
    /// MariaDB on loopback.
    Mariadb,
    /// Embedded SQLite.
    Sqlite,
}

impl Opts {
    /// The databases chosen, in order.
    pub fn kinds(&self) -> Vec<Kind> {
        self.db
            .iter()
            .map(|d| match d {
                DbArg::Mariadb => Kind::Mariadb,
                DbArg::Sqlite => Kind::Sqlite,
            })
            .collect()
    }

    /// The admin binary to start.
    pub fn admin_binary(&self) -> PathBuf {
        self.admin_bin.clone().unwrap_or_else(admin::default_binary)
    }

    /// The peers' install directory, outside the repository.
    pub fn cache_dir(&self) -> PathBuf {
        self.cache.clone().unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir)
                .join(".cache/jobwheel-bench")
        })
    }
}

fn main() -> Result<()> {
    let opts = Opts::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(args) = &opts.serve_executor {
        return runtime.block_on(scenarios::executor::serve(args));
    }
    runtime.block_on(run(opts))
}

async fn run(opts: Opts) -> Result<()> {
    let mut report = Report::default();
    let all = opts.scenarios.contains(&Scenario::All);
    let chosen = |s: Scenario| all || opts.scenarios.contains(&s);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    eprintln!(
        "jobwheel-bench{} on {cores} cores, {}; {}",
        if opts.smoke { " --smoke" } else { "" },
        machine_memory(),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let order = [
        (Scenario::Ceiling, "ceiling"),
        (Scenario::Scan, "scan"),
        (Scenario::Executor, "executor"),
        (Scenario::Footprint, "footprint"),
        (Scenario::Lateness, "lateness"),
        (Scenario::Throughput, "throughput"),
        (Scenario::PeerAdmin, "peer admin"),
    ];
    let mut failed = Vec::new();
    for (scenario, name) in order {
        if !chosen(scenario) {
            continue;
        }
        eprintln!("== {name}");
        let outcome = match scenario {
            Scenario::Ceiling => scenarios::ceiling::run(&opts, &mut report).await,
            Scenario::Scan => scenarios::scan::run(&opts, &mut report).await,
            Scenario::Executor => scenarios::executor::run(&opts, &mut report).await,
            Scenario::Footprint => scenarios::footprint::run(&opts, &mut report).await,
            Scenario::Lateness => scenarios::lateness::run(&opts, &mut report).await,
            Scenario::Throughput => scenarios::throughput::run(&opts, &mut report).await,
            Scenario::PeerAdmin => scenarios::peer_admin::run(&opts, &mut report).await,
            Scenario::All => Ok(()),
        };
        if let Err(error) = outcome {
            eprintln!("   {name} failed: {error:#}");
            report.missing(name, "-", "scenario", format!("failed: {error:#}"));
            failed.push(name);
        }
    }
    let table = report.markdown();
    println!("\n{table}");
    if let Some(path) = &opts.out {
        std::fs::write(path, &table)?;
    }
    if !failed.is_empty() {
        anyhow::bail!("scenarios failed: {}", failed.join(", "));
    }
    Ok(())
}

/// "N GiB RAM" from /proc/meminfo.
fn machine_memory() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB RAM", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown RAM".into())
}
