//! End-to-end fires per second: fire → executor run of a no-op handler → callback → log
//! row final, with 1, 4 and 16 executors, on each database.
//!
//! The admin (a separate process) is offered one-second jobs at the target rate or more; the
//! rate is the number of fires due in a steady window after a warm-up whose log rows the
//! callback made final (`handle_code = 200`), counted [`SETTLE_MS`] after the window closed,
//! so it is what the whole path delivers, not what was scheduled. The admin's CPU time and
//! the MariaDB server's over the same window give the cost of one fire.

use std::time::Instant;

use anyhow::Result;

use super::{ceiling, footprint, pick, window};
use crate::Opts;
use crate::db::Kind;
use crate::load::Load;
use crate::procfs;
use crate::report::{Report, Target};

const NAME: &str = "throughput";
/// Rows the callback made final.
const FINAL: &str = "SELECT COUNT(*) FROM xxl_job_log WHERE handle_code = 200";
/// How long after the window the rows of its fires are counted: the admin writes results
/// behind the dispatch (at most 250 ms later, `dispatch::in_flight`), so a count taken at
/// the window's last instant would miss its last second or catch the next one's.
const SETTLE_MS: i64 = 1500;
/// Rows whose trigger the executor accepted.
const TRIGGERED: &str = "SELECT COUNT(*) FROM xxl_job_log WHERE trigger_code = 200";
/// Fires the admin recorded as failed (a full pool, an executor error).
const FAILED: &str =
    "SELECT COUNT(*) FROM xxl_job_log WHERE trigger_code <> 200 AND jobwheel_fire_state = 0";

struct Counts {
    at: Instant,
    finals: i64,
    triggered: i64,
    runs: u64,
    admin_cpu: f64,
    db_cpu: Option<f64>,
}

async fn counts(load: &Load, mariadb: Option<u32>) -> Result<Counts> {
    Ok(Counts {
        at: Instant::now(),
        finals: load.sql.scalar(FINAL).await?,
        triggered: load.sql.scalar(TRIGGERED).await?,
        runs: load.executors.recorder.count(),
        admin_cpu: load.admin.sample()?.cpu_seconds,
        db_cpu: mariadb
            .and_then(|pid| procfs::sample(pid).ok())
            .map(|s| s.cpu_seconds),
    })
}

/// Runs the throughput scenario on every chosen database with 1, 4 and 16 executors.
pub async fn run(opts: &Opts, report: &mut Report) -> Result<()> {
    let offered: i64 = opts.rate.unwrap_or(pick(opts, 2000, 100));
    let measure = window(opts, 10, 2);
    let warmup_ms = pick(opts, 3000, 1000);
    let fleets: &[usize] = pick(opts, &[1, 4, 16], &[2]);
    for kind in opts.kinds() {
        let mariadb = (kind == Kind::Mariadb).then(procfs::mariadb_pid).flatten();
        let ceiling = report.value(ceiling::NAME, kind.name(), ceiling::DB_FIGURE);
        for &n in fleets {
            // Each second's burst of `offered` fires must fit the pool's queue (2,000 by
            // default), or the excess is refused and recorded as failed.
            let queue = [(
                "JOBWHEEL_POOL_QUEUE_SIZE",
                (2 * offered).max(2000).to_string(),
            )];
            let load = Load::start(
                kind,
                &opts.mysql_url,
                &opts.admin_binary(),
                n,
                offered,
                false,
                &queue,
            )
            .await?;
            let window_ms = measure.as_millis() as i64;
            load.until(warmup_ms).await;
            let peak_scope = procfs::open_peak_window(load.admin.pid());
            let a = counts(&load, mariadb).await?;
            load.until(warmup_ms + window_ms).await;
            let b = counts(&load, mariadb).await?;
            let secs = (b.at - a.at).as_secs_f64();
            // The fires due in the window, counted once they have settled.
            let from = load.first_fire + warmup_ms;
            load.until(warmup_ms + window_ms + SETTLE_MS).await;
            let settled = load
                .sql
                .scalar(&format!(
                    "{FINAL} AND jobwheel_fire_at >= {from} AND jobwheel_fire_at < {}",
                    from + window_ms
                ))
                .await?;
            let failed = load.sql.scalar(FAILED).await?;
            let peak_rss = load.admin.sample()?.peak_rss_mib;
            let subject = kind.name();
            let figure =
                |what: &str| format!("{what}, {n} executor{}", if n == 1 { "" } else { "s" });
            let (fires, counted_at) = if settled > 0 {
                (
                    settled,
                    "fires due in the window whose log rows the callback made final",
                )
            } else if b.finals > a.finals {
                (b.finals - a.finals, "log rows made final by callback")
            } else {
                (
                    b.triggered - a.triggered,
                    "triggered rows (no callback reached the admin: is api/callback served?)",
                )
            };
            let rate = fires as f64 / (window_ms as f64 / 1000.0);
            let mut note = format!("offered {offered}/s (pool queue {}); ", queue[0].1);
            note.push_str(&format!(
                "{counted_at}; {:.0} runs/s on executors; {failed} failed",
                (b.runs - a.runs) as f64 / secs
            ));
            if let Some(c) = ceiling {
                note.push_str(&format!("; {:.0} % of the DB ceiling", rate / c * 100.0));
            }
            report.add(
                NAME,
                subject,
                &figure("fires/s"),
                rate,
                "/s",
                Target::AtLeast(2000.0),
                note,
            );
            let per_fire = |cpu: f64| cpu * 1e6 / fires.max(1) as f64;
            report.add(
                NAME,
                subject,
                &figure("admin CPU per fire"),
                per_fire(b.admin_cpu - a.admin_cpu),
                "µs",
                Target::AtMost(100.0),
                format!(
                    "{:.0} % of one core",
                    (b.admin_cpu - a.admin_cpu) / secs * 100.0
                ),
            );
            if let (Some(x), Some(y)) = (a.db_cpu, b.db_cpu) {
                report.add(
                    NAME,
                    subject,
                    &figure("MariaDB CPU per fire"),
                    per_fire(y - x),
                    "µs",
                    Target::None,
                    format!("{:.0} % of one core", (y - x) / secs * 100.0),
                );
            }
            report.add(
                footprint::NAME,
                subject,
                &figure("admin peak RSS under throughput"),
                peak_rss,
                "MiB",
                Target::AtMost(100.0),
                peak_scope,
            );
            load.stop().await?;
        }
    }
    Ok(())
}
