//! SQLite: the zero-setup default for one admin (a file, WAL journal).
//!
//! SQLite has no row locks to share with other admins, so two admins on one file would both
//! schedule every job. Opening the store therefore takes an exclusive OS lock on
//! `<file>.lock` and holds it for the store's lifetime; a second admin fails at start with
//! an error that says why.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};

use super::Store;
use super::dialect::Dialect;
use super::migrate::{self, Migration, embedded_migrations};
use super::sql_store::SqlStore;
use crate::error::{Error, Result};

impl Dialect for Sqlite {
    const LABEL: &'static str = "SQLite";
    const BEGIN_WRITE: Option<&'static str> = Some("BEGIN IMMEDIATE");
    const LOCK_SCHEDULE: &'static str =
        "SELECT lock_name FROM xxl_job_lock WHERE lock_name = 'schedule_lock'";
    const FOR_UPDATE: &'static str = "";
    // In-process, reading the fires back costs little; one path less to get wrong.
    const INSERT_ID_STEP: Option<&'static str> = None;
    const ENSURE_LOCK_ROW: &'static str =
        "INSERT OR IGNORE INTO xxl_job_lock (lock_name) VALUES ('schedule_lock')";
    const COLUMN_EXISTS: &'static str = "SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?";
    const INDEX_EXISTS: &'static str =
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?";
    const MIGRATION_LOCK: Option<(&'static str, &'static str)> = None;
    const MIGRATIONS: &'static [Migration] = embedded_migrations!("sqlite":
        1 => "0001_xxl_job_tables.sql",
        2 => "0002_jobwheel_columns.sql",
        3 => "0003_user_token.sql",
        4 => "0004_jobwheel_alarms.sql",
        5 => "0005_api_tokens.sql",
    );

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    fn last_insert_id(result: &SqliteQueryResult) -> i64 {
        result.last_insert_rowid()
    }
}

/// How long a writer waits for another (SQLite allows one writer at a time).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens (creating if missing) the file of `sqlite://FILE` and migrates.
pub(crate) async fn open(url: &str, pool_size: u32) -> Result<Arc<dyn Store>> {
    let path = file_of(url)?;
    let lock = lock_exclusively(&path)?;
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(BUSY_TIMEOUT);
    let pool = SqlitePoolOptions::new()
        .max_connections(pool_size)
        .acquire_timeout(BUSY_TIMEOUT)
        .connect_with(options)
        .await?;
    migrate::run(&pool).await?;
    Ok(Arc::new(SqlStore::new(pool, Some(Box::new(lock)))))
}

/// The file of `sqlite://FILE`, `sqlite:FILE` or `sqlite:///abs/FILE` (query options are
/// not supported: the admin sets the ones it needs).
fn file_of(url: &str) -> Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| Error::validation("database_url", "a SQLite URL starts with sqlite://"))?;
    let file = rest.split('?').next().unwrap_or_default();
    if file.is_empty() || file.starts_with(':') {
        return Err(Error::validation(
            "database_url",
            "SQLite needs a file, e.g. sqlite://jobwheel.db (in-memory databases are not supported)",
        ));
    }
    Ok(PathBuf::from(file))
}

/// Takes the exclusive lock on `<file>.lock`, or explains who holds it.
fn lock_exclusively(db: &Path) -> Result<File> {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::Config(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Error::Config(format!(
            "the SQLite database {} is already used by another Jobwheel admin (it holds {}); \
             SQLite mode runs one admin per file — use MySQL/MariaDB to run several admins",
            db.display(),
            path.display()
        ))),
        Err(TryLockError::Error(e)) => Err(Error::Config(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::store::model::{ScheduleUpdate, TriggerRecord};
    use crate::store::sql;
    use crate::store::statement::Statement;

    /// The batch statements whose `WHERE` has a guard beside the id list look rows up by id:
    /// SQLite otherwise walks the guard column's index (every enabled job, every pending fire).
    #[tokio::test]
    async fn guarded_batch_statements_look_rows_up_by_id() {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        migrate::run::<Sqlite>(&pool).await.unwrap();
        let explain = || Statement::<Sqlite>::new("EXPLAIN QUERY PLAN ");
        let mut statements = Vec::new();
        let mut st = explain();
        let update = ScheduleUpdate {
            job_id: 1,
            last: 1,
            next: 2,
            status: None,
        };
        sql::push_schedule_updates(&mut st, &[update, update]);
        statements.push(st);
        let mut st = explain();
        let now = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        sql::push_run_results(
            &mut st,
            &[(1, 200, String::new()), (2, 500, String::new())],
            now,
        );
        statements.push(st);
        let mut st = explain();
        sql::push_trigger_records(&mut st, &[(1, TriggerRecord::default())]);
        statements.push(st);
        let mut st = explain();
        let ids = [1i64, 2, 3].map(crate::store::bind::Value::from);
        sql::push_select_ids(
            &mut st,
            "SELECT id FROM xxl_job_log",
            ids,
            sql::STILL_PENDING,
        );
        statements.push(st);
        for st in statements {
            let text = st.sql().to_string();
            let plan: Vec<(i64, i64, i64, String)> =
                st.query_as().unwrap().fetch_all(&pool).await.unwrap();
            assert!(!plan.is_empty(), "{text}");
            for (.., detail) in plan {
                assert!(detail.contains("PRIMARY KEY"), "{text}: {detail}");
            }
        }
    }

    #[test]
    fn urls_name_their_file() {
        assert_eq!(
            file_of("sqlite://jobwheel.db").unwrap(),
            PathBuf::from("jobwheel.db")
        );
        assert_eq!(
            file_of("sqlite:///tmp/j.db?mode=rwc").unwrap(),
            PathBuf::from("/tmp/j.db")
        );
        assert_eq!(file_of("sqlite:j.db").unwrap(), PathBuf::from("j.db"));
        assert!(file_of("sqlite::memory:").is_err());
        assert!(file_of("sqlite://").is_err());
    }
}
