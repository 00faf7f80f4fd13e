//! The admin's footprint: cold start (spawn to the first `/readyz` that answers 200, over a
//! fresh database, migrations included) and resident memory once idle. Memory under load is
//! taken by the throughput scenario, which runs the same binary under load.

use std::time::Duration;

use anyhow::Result;

use super::{pick, window};
use crate::Opts;
use crate::admin::AdminProcess;
use crate::db::BenchDb;
use crate::report::{Report, Target, percentile};

/// Scenario name in the table.
pub const NAME: &str = "footprint";

/// Starts the admin a few times on each database; reports cold start and idle RSS.
pub async fn run(opts: &Opts, report: &mut Report) -> Result<()> {
    let starts = pick(opts, 5, 2);
    for kind in opts.kinds() {
        let mut cold = Vec::new();
        let mut restart = Vec::new();
        let mut idle_rss = 0.0_f64;
        for i in 0..starts {
            let db = BenchDb::create(kind, &opts.mysql_url).await?;
            let admin = AdminProcess::start(&opts.admin_binary(), &db.url, &[]).await?;
            cold.push(admin.cold_start.as_secs_f64() * 1e3);
            if i == 0 {
                // Idle: the scan loop, sweeper and pools running with nothing to do.
                tokio::time::sleep(window(opts, 15, 1).max(Duration::from_secs(1))).await;
                idle_rss = admin.sample()?.rss_mib;
            }
            admin.stop().await?;
            // Again over the now-migrated database: the start of an admin that restarts.
            let again = AdminProcess::start(&opts.admin_binary(), &db.url, &[]).await?;
            restart.push(again.cold_start.as_secs_f64() * 1e3);
            again.stop().await?;
            db.drop_now().await?;
        }
        cold.sort_by(f64::total_cmp);
        restart.sort_by(f64::total_cmp);
        let subject = kind.name();
        report.add(
            NAME,
            subject,
            "cold start to /readyz (median)",
            percentile(&cold, 50.0),
            "ms",
            Target::AtMost(500.0),
            format!("{starts} starts, fresh database, migrations included"),
        );
        report.add(
            NAME,
            subject,
            "cold start to /readyz (max)",
            percentile(&cold, 100.0),
            "ms",
            Target::AtMost(500.0),
            "",
        );
        report.add(
            NAME,
            subject,
            "restart to /readyz (median)",
            percentile(&restart, 50.0),
            "ms",
            Target::AtMost(500.0),
            "same database, already migrated",
        );
        report.add(
            NAME,
            subject,
            "restart to /readyz (max)",
            percentile(&restart, 100.0),
            "ms",
            Target::AtMost(500.0),
            "",
        );
        report.add(
            NAME,
            subject,
            "admin RSS idle",
            idle_rss,
            "MiB",
            Target::AtMost(30.0),
            "VmRSS after idling",
        );
    }
    Ok(())
}
