//! The migration runner: ordered SQL steps embedded in the binary, applied once each and
//! recorded in `jobwheel_schema_version`.
//!
//! Why not `sqlx::migrate!`: Jobwheel must adopt a database that XXL-JOB's own script
//! created, whose tables already exist, and add its columns to them; MySQL 8 has no
//! `ADD COLUMN IF NOT EXISTS`. So each step is plain SQL in which tables are
//! `CREATE TABLE IF NOT EXISTS`, and an `ALTER TABLE … ADD COLUMN` or `CREATE INDEX` runs
//! only when the schema lacks that column or index (asked of `information_schema` or
//! `pragma_table_info`). Every step is therefore safe to re-run after a crash half-way.
//!
//! Several admins may start at once on one empty MySQL database: the whole run holds a
//! named lock (`GET_LOCK`), so the second waits and then finds everything applied.

use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Executor, IntoArguments, Pool};

use super::bind::Arg;
use super::dialect::Dialect;
use crate::error::{Error, Result};

/// One embedded migration step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// Order and identity; recorded once applied.
    pub version: i64,
    /// File name, for humans.
    pub name: &'static str,
    /// Statements separated by `;`, with `--` comment lines.
    pub sql: &'static str,
}

/// The embedded migrations of one dialect's folder (`migrations/<dir>/`), numbered in order:
/// both dialects list the same steps, so the list is written once per dialect as names only.
macro_rules! embedded_migrations {
    ($dir:literal: $($version:literal => $name:literal),+ $(,)?) => {
        &[$($crate::store::migrate::Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../../migrations/", $dir, "/", $name)),
        }),+]
    };
}
pub(crate) use embedded_migrations;

/// The bookkeeping table; its SQL is the same in both dialects.
const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS jobwheel_schema_version (\
     version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(128) NOT NULL, applied_at BIGINT NOT NULL)";

/// The newest version a dialect's binary knows (the readiness probe compares with it).
pub(crate) fn latest<DB: Dialect>() -> i64 {
    DB::MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Applies every pending step and ensures the `schedule_lock` row.
pub(crate) async fn run<DB: Dialect>(pool: &Pool<DB>) -> Result<()>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> (Option<i64>,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
{
    let mut conn = pool.acquire().await?;
    if let Some((lock, _)) = DB::MIGRATION_LOCK {
        let (got,): (Option<i64>,) = sqlx::query_as(lock).fetch_one(&mut *conn).await?;
        if got != Some(1) {
            return Err(Error::Config(format!(
                "{}: another admin has been migrating this database for too long; \
                 is one stuck? (lock `jobwheel_migrate`)",
                DB::LABEL
            )));
        }
    }
    let applied = apply(&mut conn).await;
    if let Some((_, unlock)) = DB::MIGRATION_LOCK {
        // Closing the connection would release the lock too; releasing it here lets the
        // connection go back to the pool clean.
        let released = sqlx::query(unlock).execute(&mut *conn).await;
        if let Err(error) = released {
            tracing::warn!(%error, "could not release the migration lock");
        }
    }
    applied
}

async fn apply<DB: Dialect>(conn: &mut PoolConnection<DB>) -> Result<()>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
{
    sqlx::query(VERSION_TABLE).execute(&mut **conn).await?;
    let applied: Vec<(i64,)> = sqlx::query_as("SELECT version FROM jobwheel_schema_version")
        .fetch_all(&mut **conn)
        .await?;
    for step in DB::MIGRATIONS {
        if applied.iter().any(|(v,)| *v == step.version) {
            continue;
        }
        tracing::info!(database = DB::LABEL, step = step.name, "applying migration");
        for statement in statements(step.sql) {
            if already_present::<DB>(conn, &statement).await? {
                continue;
            }
            sqlx::query(AssertSqlSafe(statement))
                .execute(&mut **conn)
                .await
                .map_err(|e| Error::Internal(format!("migration {}: {e}", step.name)))?;
        }
        sqlx::query(
            "INSERT INTO jobwheel_schema_version (version, name, applied_at) VALUES (?, ?, ?)",
        )
        .arg(step.version)
        .arg(step.name)
        .arg(crate::time::now_ms())
        .execute(&mut **conn)
        .await?;
    }
    sqlx::query(DB::ENSURE_LOCK_ROW)
        .execute(&mut **conn)
        .await?;
    Ok(())
}

/// True when `statement` adds a column or index the schema already has.
async fn already_present<DB: Dialect>(
    conn: &mut PoolConnection<DB>,
    statement: &str,
) -> Result<bool>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
{
    let (probe, table, name) = match addition(statement) {
        Some(Addition::Column { table, column }) => (DB::COLUMN_EXISTS, table, column),
        Some(Addition::Index { table, index }) => (DB::INDEX_EXISTS, table, index),
        None => return Ok(false),
    };
    let (count,): (i64,) = sqlx::query_as(probe)
        .arg(table)
        .arg(name)
        .fetch_one(&mut **conn)
        .await?;
    Ok(count > 0)
}

/// The statements of a step: `--` comment lines dropped, split at `;`.
fn statements(sql: &str) -> Vec<String> {
    let code: Vec<&str> = sql
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect();
    code.join("\n")
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A schema addition the runner must guard, read from a statement's first words.
#[derive(Debug, PartialEq, Eq)]
enum Addition<'a> {
    Column { table: &'a str, column: &'a str },
    Index { table: &'a str, index: &'a str },
}

fn addition(statement: &str) -> Option<Addition<'_>> {
    let words: Vec<&str> = statement
        .split_whitespace()
        .map(|w| w.split('(').next().unwrap_or(w))
        .collect();
    let is = |i: usize, keyword: &str| {
        words
            .get(i)
            .is_some_and(|w| w.eq_ignore_ascii_case(keyword))
    };
    if is(0, "ALTER") && is(1, "TABLE") && is(3, "ADD") && is(4, "COLUMN") {
        return Some(Addition::Column {
            table: words.get(2)?,
            column: words.get(5)?,
        });
    }
    let skip = usize::from(is(1, "UNIQUE"));
    if is(0, "CREATE") && is(1 + skip, "INDEX") && is(3 + skip, "ON") {
        return Some(Addition::Index {
            index: words.get(2 + skip)?,
            table: words.get(4 + skip)?,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_drop_comments_and_split() {
        let sql = "-- a comment; with a semicolon\nCREATE TABLE a (x INT);\n\n  -- more\nALTER TABLE a ADD COLUMN y INT NULL;\n";
        assert_eq!(
            statements(sql),
            [
                "CREATE TABLE a (x INT)",
                "ALTER TABLE a ADD COLUMN y INT NULL"
            ]
        );
    }

    #[test]
    fn additions_are_recognised() {
        assert_eq!(
            addition("ALTER TABLE xxl_job_log ADD COLUMN jobwheel_fire_at BIGINT NULL"),
            Some(Addition::Column {
                table: "xxl_job_log",
                column: "jobwheel_fire_at"
            })
        );
        assert_eq!(
            addition("create unique index i_x on t(a, b)"),
            Some(Addition::Index {
                table: "t",
                index: "i_x"
            })
        );
        assert_eq!(
            addition("CREATE INDEX i_y ON t (a)"),
            Some(Addition::Index {
                table: "t",
                index: "i_y"
            })
        );
        assert_eq!(addition("CREATE TABLE IF NOT EXISTS t (a INT)"), None);
    }
}
