//! Helpers shared by the admin's integration tests.
//!
//! Every test gets its own database: SQLite in a temporary directory, and, when
//! `JOBWHEEL_TEST_MYSQL_URL` names a MySQL/MariaDB server (e.g.
//! `mysql://root@127.0.0.1:3306/test`), a fresh `jwtest_<time>_<pid>_<n>` database on it, so
//! tests run in parallel without seeing each other. MariaDB databases are dropped when the
//! test's handle drops; ones left behind by a killed run are dropped by the next run once
//! they are an hour old.
#![allow(dead_code)]

pub mod app;
pub mod db_proxy;
pub mod executor;
pub mod fuzz;
pub mod process;
pub mod prometheus;
pub mod sdk;
pub mod sinks;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::NaiveDateTime;
use jobwheel_admin::store::{self, GroupFields, JobInfo, NewLog, Store};
use sqlx::{AssertSqlSafe, Connection, Executor, MySqlConnection};

/// The environment variable naming the MySQL/MariaDB server of the tests.
pub const MYSQL_URL_VAR: &str = "JOBWHEEL_TEST_MYSQL_URL";

/// A migrated store over a database that lives as long as this value.
pub struct TestStore {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// Its database URL (open it again to test a second admin).
    pub url: String,
    home: TestHome,
}

impl TestStore {
    /// Splits the store from its database, which lives as long as the returned home (to
    /// close the store and open the database again).
    pub fn into_parts(self) -> (Arc<dyn Store>, TestHome) {
        (self.store, self.home)
    }
}

/// Where a test's database lives; dropping it deletes the database.
pub struct TestHome(Home);

enum Home {
    Sqlite(tempfile::TempDir),
    Mysql(MysqlDatabase),
}

impl std::ops::Deref for TestStore {
    type Target = dyn Store;
    fn deref(&self) -> &Self::Target {
        &*self.store
    }
}

/// A store on every database available: SQLite always, MariaDB when configured.
pub async fn each_store() -> Vec<(&'static str, TestStore)> {
    let mut stores = vec![("sqlite", sqlite_store().await)];
    if let Some(mysql) = mysql_store().await {
        stores.push(("mysql", mysql));
    }
    stores
}

/// A store on a new SQLite file in a temporary directory.
pub async fn sqlite_store() -> TestStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("jobwheel.db").display());
    let store = store::connect(&url, 5).await.expect("open SQLite store");
    TestStore {
        store,
        url,
        home: TestHome(Home::Sqlite(dir)),
    }
}

/// A store on a new MariaDB database, or `None` when no server is configured.
pub async fn mysql_store() -> Option<TestStore> {
    let db = MysqlDatabase::create().await?;
    let store = store::connect(&db.url, 5).await.expect("open MySQL store");
    Some(TestStore {
        store,
        url: db.url.clone(),
        home: TestHome(Home::Mysql(db)),
    })
}

/// The configured MySQL server URL, if any.
pub fn mysql_server_url() -> Option<String> {
    std::env::var(MYSQL_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// An empty database of its own on the configured server, dropped on drop.
pub struct MysqlDatabase {
    /// URL of the new database.
    pub url: String,
    server_url: String,
    name: String,
}

impl MysqlDatabase {
    /// Creates `jwtest_<secs>_<pid>_<n>`; `None` when no server is configured.
    pub async fn create() -> Option<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let server_url = mysql_server_url()?;
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let name = format!(
            "jwtest_{secs}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = MySqlConnection::connect(&server_url)
            .await
            .expect("connect to JOBWHEEL_TEST_MYSQL_URL");
        drop_stale_databases(&mut conn, secs).await;
        conn.execute(AssertSqlSafe(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
        )))
        .await
        .expect("create test database");
        let url = with_database(&server_url, &name);
        Some(Self {
            url,
            server_url,
            name,
        })
    }
}

impl Drop for MysqlDatabase {
    fn drop(&mut self) {
        // Drop cannot await: a short-lived thread with its own runtime drops the database.
        let server_url = self.server_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(drop_database(&server_url, &name))
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!(
                "could not drop test database {}; the next run will",
                self.name
            );
        }
    }
}

/// Drops a test database. Its store's pool may still hold connections (closing them needs
/// the test's runtime, which is busy running this drop), so they are killed first;
/// otherwise `DROP DATABASE` would wait for their metadata locks forever.
async fn drop_database(server_url: &str, name: &str) -> Option<()> {
    let mut conn = MySqlConnection::connect(server_url).await.ok()?;
    let sessions: Vec<(i64,)> = sqlx::query_as(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
    )
    .bind(name)
    .fetch_all(&mut conn)
    .await
    .ok()?;
    for (id,) in sessions {
        let _ = conn.execute(AssertSqlSafe(format!("KILL {id}"))).await;
    }
    conn.execute("SET SESSION lock_wait_timeout = 30")
        .await
        .ok()?;
    conn.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`")))
        .await
        .ok()
        .map(|_| ())
}

/// Drops `jwtest_<secs>_…` databases older than an hour (left by killed runs).
async fn drop_stale_databases(conn: &mut MySqlConnection, now_secs: u64) {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA \
         WHERE SCHEMA_NAME LIKE 'jwtest!_%' ESCAPE '!'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for (name,) in names {
        let created = name
            .split('_')
            .nth(1)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        if created + 3600 < now_secs {
            let _ = conn
                .execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`")))
                .await;
        }
    }
}

/// `server_url` with its database path replaced by `name` (query string kept).
pub fn with_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..]
        .find('/')
        .map(|i| authority_start + i)
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..path_start])
}

/// `2024-01-02 03:04:05` as a naive DATETIME.
pub fn naive(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("datetime literal")
}

/// Fields of a manual group with `app_name`.
pub fn group_fields(app_name: &str) -> GroupFields {
    GroupFields {
        app_name: app_name.to_string(),
        title: format!("{app_name} title"),
        ..GroupFields::default()
    }
}

/// A running CRON job of `group` due at `next` (epoch ms).
pub fn job(group: i32, desc: &str, next: i64) -> JobInfo {
    JobInfo {
        job_group: group,
        job_desc: desc.to_string(),
        add_time: Some(naive("2024-01-02 03:04:05")),
        update_time: Some(naive("2024-01-02 03:04:05")),
        author: Some("tester".into()),
        schedule_type: "CRON".into(),
        schedule_conf: Some("0 * * * * ?".into()),
        misfire_strategy: "DO_NOTHING".into(),
        executor_route_strategy: Some("FIRST".into()),
        executor_handler: Some("demoJobHandler".into()),
        executor_block_strategy: Some("SERIAL_EXECUTION".into()),
        glue_type: "BEAN".into(),
        glue_updatetime: Some(naive("2024-01-02 03:04:05")),
        trigger_status: 1,
        trigger_next_time: next,
        ..JobInfo::default()
    }
}

/// A log row of `job` (group 1) triggered at `fire_at`.
pub fn new_log(job_id: i32, fire_at: i64) -> NewLog {
    NewLog {
        job_group: 1,
        job_id,
        trigger_time: naive("2024-01-02 03:04:05"),
        fire_at,
        trigger_type: "CRON".into(),
        ..NewLog::default()
    }
}

/// A run of `job` (in `group`) that its executor at `address` accepted just now
/// (`trigger_code` 200) and that has no result yet; returns its log id.
pub async fn accepted_run(
    store: &dyn Store,
    tz: chrono_tz::Tz,
    group: i32,
    job: i32,
    address: &str,
) -> i64 {
    let id = store
        .insert_log(&NewLog {
            job_group: group,
            job_id: job,
            trigger_time: jobwheel_admin::time::now_naive(tz),
            fire_at: jobwheel_admin::time::now_ms(),
            trigger_type: "MANUAL".into(),
            ..NewLog::default()
        })
        .await
        .expect("insert log");
    let record = store::TriggerRecord {
        trigger_code: 200,
        trigger_msg: "sent".into(),
        executor_address: Some(address.into()),
        ..store::TriggerRecord::default()
    };
    store
        .record_trigger(id, &record)
        .await
        .expect("record trigger");
    id
}
