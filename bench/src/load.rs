//! The end-to-end set-up shared by the throughput, lateness and peer scenarios: an admin
//! process over a fresh database, SDK executors in this process, and `jobs` one-second
//! (`FIX_RATE 1`) jobs, so the admin sees `jobs` fires/s.
//!
//! The fires of all jobs come at once, on the whole second: Jobwheel, like XXL-JOB ≥ 3.4,
//! rounds FIX_RATE fires up to whole seconds, and cron has whole seconds only, so a burst
//! per second is what a real schedule produces (phases spread inside a second would be
//! rounded onto the next boundary after the first fire anyway).

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use jobwheel_admin::time::now_ms;

use crate::admin::{AdminProcess, ReservedPort};
use crate::db::{BenchDb, Kind};
use crate::executors::{ExecutorSet, HANDLER};
use crate::jobs::{self, Batch, Sql};

/// A running load: admin, executors, jobs.
pub struct Load {
    /// The admin process.
    pub admin: AdminProcess,
    /// The executors.
    pub executors: ExecutorSet,
    /// SQL on the admin's database, for counting rows.
    pub sql: Sql,
    /// The first scheduled fire, epoch ms; fires arrive at an even rate from then on.
    pub first_fire: i64,
    db: BenchDb,
}

/// Lead time before the first fire: the admin starts (well under a second) and its first
/// scan plans every job before any is due, so no fire is late because of the set-up.
const LEAD_MS: i64 = 2000;

impl Load {
    /// Starts an admin over a fresh `kind` database, `executors` executors, and `jobs` jobs.
    pub async fn start(
        kind: Kind,
        mysql_url: &str,
        admin_bin: &Path,
        executors: usize,
        jobs: i64,
        record: bool,
        env: &[(&str, String)],
    ) -> Result<Self> {
        let db = BenchDb::create(kind, mysql_url).await?;
        // Schema first (the admin's own migrations), then executors, group and jobs, then
        // the admin: its first scan, at start, sees every job before its first fire.
        drop(jobwheel_admin::store::connect(&db.url, 1).await?);
        let reserved = ReservedPort::new()?;
        let port = reserved.port()?;
        let admin_url = format!("http://127.0.0.1:{port}");
        let set = ExecutorSet::start(executors, "bench", &admin_url, record).await?;
        let sql = Sql::open(kind, &db.url, 2).await?;
        let group = jobs::raw_group(&sql, "bench", &set.addresses).await?;
        let first_fire = (now_ms() + LEAD_MS) / 1000 * 1000 + 1000;
        jobs::insert_batch(
            &sql,
            &Batch {
                group,
                count: jobs,
                schedule: ("FIX_RATE", "1"),
                handler: HANDLER,
                route: "ROUND",
                first_fire,
                spread_ms: 0,
            },
        )
        .await?;
        // A plain pool stays open beside the admin for counting (the admin's store would
        // claim SQLite's one-admin lock; WAL mode lets this reader in beside it).
        drop(reserved);
        let admin = AdminProcess::start_on(port, admin_bin, &db.url, env).await?;
        Ok(Self {
            admin,
            executors: set,
            sql,
            first_fire,
            db,
        })
    }

    /// Sleeps until `ms` after the first fire.
    pub async fn until(&self, ms: i64) {
        let wait = self.first_fire + ms - now_ms();
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
    }

    /// Stops everything and drops the database.
    pub async fn stop(self) -> Result<()> {
        let stopped = self.admin.stop().await;
        self.executors.stop().await;
        self.sql.close().await;
        self.db.drop_now().await?;
        stopped
    }
}
