//! MySQL/MariaDB: production and clusters. Several admins share the database and take
//! turns scanning under the `schedule_lock` row, exactly as XXL-JOB admins do, so a Java
//! XXL-JOB admin can run beside Jobwheel during a migration.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::MySql;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions, MySqlQueryResult};

use super::Store;
use super::dialect::Dialect;
use super::migrate::{self, Migration, embedded_migrations};
use super::sql_store::SqlStore;
use crate::error::{Error, Result};

impl Dialect for MySql {
    const LABEL: &'static str = "MySQL";
    const BEGIN_WRITE: Option<&'static str> = None;
    const LOCK_SCHEDULE: &'static str =
        "SELECT lock_name FROM xxl_job_lock WHERE lock_name = 'schedule_lock' FOR UPDATE";
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const INSERT_ID_STEP: Option<&'static str> = Some(
        "SELECT CAST(CASE WHEN @@innodb_autoinc_lock_mode IN (0, 1) \
         THEN @@auto_increment_increment ELSE 0 END AS SIGNED)",
    );
    const ENSURE_LOCK_ROW: &'static str =
        "INSERT IGNORE INTO xxl_job_lock (lock_name) VALUES ('schedule_lock')";
    const COLUMN_EXISTS: &'static str = "SELECT COUNT(*) FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?";
    const INDEX_EXISTS: &'static str = "SELECT COUNT(*) FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?";
    const MIGRATION_LOCK: Option<(&'static str, &'static str)> = Some((
        "SELECT GET_LOCK(CONCAT('jobwheel_migrate_', DATABASE()), 120)",
        "SELECT RELEASE_LOCK(CONCAT('jobwheel_migrate_', DATABASE()))",
    ));
    const MIGRATIONS: &'static [Migration] = embedded_migrations!("mysql":
        1 => "0001_xxl_job_tables.sql",
        2 => "0002_jobwheel_columns.sql",
        3 => "0003_user_token.sql",
        4 => "0004_jobwheel_alarms.sql",
        5 => "0005_api_tokens.sql",
    );

    fn rows_affected(result: &MySqlQueryResult) -> u64 {
        result.rows_affected()
    }

    fn last_insert_id(result: &MySqlQueryResult) -> i64 {
        i64::try_from(result.last_insert_id()).unwrap_or(i64::MAX)
    }
}

/// Connects to `mysql://…` or `mariadb://…` and migrates.
pub(crate) async fn open(url: &str, pool_size: u32) -> Result<Arc<dyn Store>> {
    let url = match url.strip_prefix("mariadb:") {
        Some(rest) => format!("mysql:{rest}"),
        None => url.to_string(),
    };
    let options = MySqlConnectOptions::from_str(&url)
        .map_err(|e| Error::validation("database_url", e.to_string()))?
        // DATETIMEs are naive admin-zone times written by the admin; the session zone
        // only matters to NOW(), which Jobwheel never uses.
        .charset("utf8mb4");
    let pool = MySqlPoolOptions::new()
        .max_connections(pool_size)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    migrate::run(&pool).await?;
    Ok(Arc::new(SqlStore::new(pool, None)))
}
