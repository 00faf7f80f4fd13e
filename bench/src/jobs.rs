//! Puts many jobs into a fresh database quickly (multi-row INSERTs, 500 rows each, instead
//! of 100,000 statements), each job's first fire spread evenly over a period so fires
//! arrive at an even rate.

use anyhow::Result;
use sqlx::{AssertSqlSafe, MySqlPool, SqlitePool};

use crate::db::Kind;

/// Raw SQL on the benchmark database, for bulk set-up and for counting results.
#[derive(Clone)]
pub enum Sql {
    /// MariaDB.
    My(MySqlPool),
    /// SQLite.
    Lite(SqlitePool),
}

impl Sql {
    /// Opens `url` (already migrated by the admin's store) with `pool` connections.
    pub async fn open(kind: Kind, url: &str, pool: u32) -> Result<Self> {
        Ok(match kind {
            Kind::Mariadb => Self::My(
                sqlx::mysql::MySqlPoolOptions::new()
                    .max_connections(pool)
                    .connect(url)
                    .await?,
            ),
            Kind::Sqlite => Self::Lite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(pool)
                    .connect(url)
                    .await?,
            ),
        })
    }

    /// Runs a statement built by this module (numbers only, never outside input).
    pub async fn execute(&self, sql: &str) -> Result<u64> {
        Ok(match self {
            Self::My(p) => sqlx::query(AssertSqlSafe(sql.to_string()))
                .execute(p)
                .await?
                .rows_affected(),
            Self::Lite(p) => sqlx::query(AssertSqlSafe(sql.to_string()))
                .execute(p)
                .await?
                .rows_affected(),
        })
    }

    /// One integer (`COUNT(*)`, `MIN(id)`…); NULL reads as 0.
    pub async fn scalar(&self, sql: &str) -> Result<i64> {
        Ok(match self {
            Self::My(p) => sqlx::query_scalar::<_, Option<i64>>(AssertSqlSafe(sql.to_string()))
                .fetch_one(p)
                .await?
                .unwrap_or(0),
            Self::Lite(p) => sqlx::query_scalar::<_, Option<i64>>(AssertSqlSafe(sql.to_string()))
                .fetch_one(p)
                .await?
                .unwrap_or(0),
        })
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Self::My(p) => p.close().await,
            Self::Lite(p) => p.close().await,
        }
    }
}

/// A manual group listing `addresses` (loopback URLs this program made), inserted with
/// plain SQL beside a running admin; returns its id.
pub async fn raw_group(sql: &Sql, app_name: &str, addresses: &[String]) -> Result<i32> {
    sql.execute(&format!(
        "INSERT INTO xxl_job_group (app_name, title, address_type, address_list) \
         VALUES ('{app_name}', '{app_name}', 1, '{}')",
        addresses.join(",")
    ))
    .await?;
    let id = sql
        .scalar(&format!(
            "SELECT MAX(id) FROM xxl_job_group WHERE app_name = '{app_name}'"
        ))
        .await?;
    Ok(i32::try_from(id)?)
}

/// How a batch of identical jobs is scheduled.
pub struct Batch<'a> {
    /// Group the jobs run in.
    pub group: i32,
    /// How many.
    pub count: i64,
    /// `FIX_RATE`/`CRON` and its configuration.
    pub schedule: (&'a str, &'a str),
    /// Handler name on the executors.
    pub handler: &'a str,
    /// Routing strategy (ROUND spreads fires over a group's executors).
    pub route: &'a str,
    /// First fire of the first job, epoch ms.
    pub first_fire: i64,
    /// First fires are spread evenly over this many ms from `first_fire`.
    pub spread_ms: i64,
}

/// Rows per multi-row INSERT: far below both databases' parameter and packet limits.
const CHUNK: i64 = 500;

/// Inserts `batch.count` running jobs, each with its own first fire, in multi-row INSERTs
/// (every value is a number or a constant of this program; nothing from outside).
pub async fn insert_batch(sql: &Sql, batch: &Batch<'_>) -> Result<()> {
    let (schedule_type, conf) = batch.schedule;
    let mut i = 0;
    while i < batch.count {
        let end = (i + CHUNK).min(batch.count);
        let rows: Vec<String> = (i..end)
            .map(|k| {
                let first = batch.first_fire + k * batch.spread_ms / batch.count;
                format!(
                    "({}, 'bench', '{schedule_type}', '{conf}', 'DO_NOTHING', '{}', '{}', \
                     'SERIAL_EXECUTION', 'BEAN', 1, {first})",
                    batch.group, batch.route, batch.handler
                )
            })
            .collect();
        sql.execute(&format!(
            "INSERT INTO xxl_job_info (job_group, job_desc, schedule_type, schedule_conf, \
             misfire_strategy, executor_route_strategy, executor_handler, \
             executor_block_strategy, glue_type, trigger_status, trigger_next_time) VALUES {}",
            rows.join(", ")
        ))
        .await?;
        i = end;
    }
    Ok(())
}
