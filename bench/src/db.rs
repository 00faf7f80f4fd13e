//! A fresh database per scenario: a `jwbench_<time>_<n>` database on the MariaDB server,
//! dropped afterwards, or a SQLite file in a temporary directory.

use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result};
use sqlx::{AssertSqlSafe, Connection, Executor, MySqlConnection};

/// Which database a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// MariaDB/MySQL on loopback.
    Mariadb,
    /// An embedded SQLite file.
    Sqlite,
}

impl Kind {
    /// The name printed in the table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mariadb => "MariaDB",
            Self::Sqlite => "SQLite",
        }
    }
}

/// An empty database that lives as long as this value (call [`BenchDb::drop_now`] to
/// drop a MariaDB one promptly; a forgotten one is dropped on drop).
pub struct BenchDb {
    /// The URL the admin opens.
    pub url: String,
    home: Home,
}

enum Home {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Mariadb { server: String, name: String },
    Gone,
}

impl BenchDb {
    /// Creates a database of `kind`; `server` is the MariaDB server URL without database.
    pub async fn create(kind: Kind, server: &str) -> Result<Self> {
        match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("jobwheel.db").display());
                Ok(Self {
                    url,
                    home: Home::Sqlite(dir),
                })
            }
            Kind::Mariadb => {
                static COUNTER: AtomicU32 = AtomicU32::new(0);
                let name = format!(
                    "jwbench_{}_{}_{}",
                    chrono::Utc::now().format("%Y%m%d%H%M%S"),
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed)
                );
                let mut conn = MySqlConnection::connect(server)
                    .await
                    .with_context(|| format!("connect to MariaDB at {server}"))?;
                conn.execute(AssertSqlSafe(format!(
                    "CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
                )))
                .await?;
                let url = format!("{}/{name}", server.trim_end_matches('/'));
                Ok(Self {
                    url,
                    home: Home::Mariadb {
                        server: server.to_string(),
                        name,
                    },
                })
            }
        }
    }

    /// Drops the database now.
    pub async fn drop_now(mut self) -> Result<()> {
        if std::env::var_os("JOBWHEEL_BENCH_KEEP_DB").is_some() {
            eprintln!("   keeping {}", self.url);
            self.home = Home::Gone;
            return Ok(());
        }
        if let Home::Mariadb { server, name } = std::mem::replace(&mut self.home, Home::Gone) {
            drop_database(&server, &name).await?;
        }
        Ok(())
    }
}

async fn drop_database(server: &str, name: &str) -> Result<()> {
    let mut conn = MySqlConnection::connect(server).await?;
    conn.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`")))
        .await?;
    Ok(())
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Home::Mariadb { server, name } = std::mem::replace(&mut self.home, Home::Gone) {
            // Drop cannot await: a short-lived thread with its own runtime drops it.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(drop_database(&server, &name)).ok()
            })
            .join();
        }
    }
}
