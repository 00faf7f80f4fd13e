//! The scan with 100,000 enabled jobs of which few are due: what one pass of the admin's
//! own scan loop costs, in the admin's CPU and in the database.
//!
//! The scan runs in this process (`ScanLoop::scan_once`, the code the admin runs once a
//! second), so this process's CPU time across a scan is the admin's CPU per scan; the
//! database's share is the scan's wall time minus that, and the MariaDB server's own CPU
//! time across the scan (read from `/proc`).

use std::time::{Duration, Instant};

use anyhow::Result;
use jobwheel_admin::app::AppState;
use jobwheel_admin::config::Config;
use jobwheel_admin::schedule::scan::ScanLoop;
use jobwheel_admin::schedule::wheel::TimeWheel;
use jobwheel_admin::time::now_ms;

use super::pick;
use crate::Opts;
use crate::db::{BenchDb, Kind};
use crate::jobs::{self, Batch, Sql};
use crate::procfs;
use crate::report::{Report, Target, percentile};

const NAME: &str = "scan";

/// Runs the scan scenario on every chosen database.
pub async fn run(opts: &Opts, report: &mut Report) -> Result<()> {
    let total: i64 = pick(opts, 100_000, 2_000);
    let due: i64 = 50; // one-second jobs: ~50 fires a second, ~10 jobs read per scan
    let scans: usize = pick(opts, 20, 3);
    for kind in opts.kinds() {
        let db = BenchDb::create(kind, &opts.mysql_url).await?;
        let config = Config {
            database_url: db.url.clone(),
            time_zone: "UTC".into(),
            ..Config::default()
        };
        let store = jobwheel_admin::store::connect(&db.url, config.database_pool_size).await?;
        let sql = Sql::open(kind, &db.url, 2).await?;
        let group = jobs::raw_group(&sql, "scan", &["http://127.0.0.1:9/".into()]).await?;
        let setup = Instant::now();
        // The many: daily jobs next due tomorrow.
        let tomorrow = now_ms() + 86_400_000;
        jobs::insert_batch(
            &sql,
            &Batch {
                group,
                count: total - due,
                schedule: ("CRON", "0 0 3 * * ?"),
                handler: "noop",
                route: "FIRST",
                first_fire: tomorrow,
                spread_ms: 3_600_000,
            },
        )
        .await?;
        // The few: one-second jobs, due from now on.
        jobs::insert_batch(
            &sql,
            &Batch {
                group,
                count: due,
                schedule: ("FIX_RATE", "1"),
                handler: "noop",
                route: "FIRST",
                first_fire: now_ms() + 1000,
                spread_ms: 1000,
            },
        )
        .await?;
        eprintln!(
            "   {} jobs in {:.1} s",
            total,
            setup.elapsed().as_secs_f64()
        );
        let state = AppState::new(config, store.clone());
        // The wheel is never run: the fires stay Pending, which is all a scan needs.
        let (_wheel, handle) = TimeWheel::new(Box::new(|_| {}), Duration::ZERO);
        let scan = ScanLoop::new(&state, handle);
        let mariadb = procfs::mariadb_pid();
        let (mut cpu, mut wall, mut db_cpu, mut fires) = (vec![], vec![], vec![], 0);
        for _ in 0..scans {
            let db_before = mariadb.and_then(|pid| procfs::sample(pid).ok());
            let cpu_before = procfs::self_cpu_seconds();
            let started = Instant::now();
            let outcome = scan.scan_once().await?;
            let elapsed = started.elapsed();
            cpu.push((procfs::self_cpu_seconds() - cpu_before) * 1e3);
            wall.push(elapsed.as_secs_f64() * 1e3);
            if kind == Kind::Mariadb
                && let (Some(before), Some(pid)) = (db_before, mariadb)
                && let Ok(after) = procfs::sample(pid)
            {
                db_cpu.push((after.cpu_seconds - before.cpu_seconds) * 1e3);
            }
            fires += outcome.fires;
            tokio::time::sleep(Duration::from_millis(1000).saturating_sub(elapsed)).await;
        }
        let subject = kind.name();
        let med = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            percentile(v, 50.0)
        };
        let note = format!("{total} jobs, {scans} scans, {fires} fires planned; median");
        report.add(
            NAME,
            subject,
            "admin CPU per scan",
            med(&mut cpu),
            "ms",
            Target::AtMost(10.0),
            note.clone(),
        );
        report.add(
            NAME,
            subject,
            "wall time per scan",
            med(&mut wall),
            "ms",
            Target::None,
            "lock + read + write + commit",
        );
        if !db_cpu.is_empty() {
            report.add(
                NAME,
                subject,
                "MariaDB CPU per scan",
                med(&mut db_cpu),
                "ms",
                Target::None,
                "mariadbd utime+stime (10 ms ticks)",
            );
        }
        sql.close().await;
        drop(scan);
        drop(state);
        drop(store);
        db.drop_now().await?;
    }
    Ok(())
}
