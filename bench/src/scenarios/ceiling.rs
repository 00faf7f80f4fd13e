//! The ceilings the end-to-end figures are quoted against, measured in the same run:
//! * the database doing what one fire costs at minimum (one log insert + one update of that
//!   row), from as many connections as the admin's pool has;
//! * a loopback HTTP round trip to a bare axum handler (what one executor call costs at
//!   minimum), from as many concurrent callers as the admin's fast pool has workers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use axum::Json;
use axum::routing::post;
use jobwheel_admin::Config;
use serde_json::{Value, json};

use super::window;
use crate::Opts;
use crate::db::BenchDb;
use crate::jobs::Sql;
use crate::report::{Report, Target};

/// Scenario name in the table.
pub const NAME: &str = "ceiling";
/// Figure name of the database ceiling.
pub const DB_FIGURE: &str = "insert+update/s";
/// Figure name of the HTTP ceiling.
pub const HTTP_FIGURE: &str = "HTTP round trips/s";

/// Measures both ceilings.
pub async fn run(opts: &Opts, report: &mut Report) -> Result<()> {
    let pool = Config::default().database_pool_size;
    for kind in opts.kinds() {
        let db = BenchDb::create(kind, &opts.mysql_url).await?;
        // The admin's store creates the schema; the raw pool then writes what a fire writes.
        let store = jobwheel_admin::store::connect(&db.url, pool).await?;
        drop(store);
        let sql = Sql::open(kind, &db.url, pool).await?;
        let rate = db_rate(&sql, pool as usize, window(opts, 10, 1)).await?;
        sql.close().await;
        db.drop_now().await?;
        report.add(
            NAME,
            kind.name(),
            DB_FIGURE,
            rate,
            "/s",
            Target::None,
            format!("{pool} connections, autocommit, one row each"),
        );
    }
    let callers = Config::default().fast_pool_size;
    let rate = http_rate(callers, window(opts, 10, 1)).await?;
    report.add(
        NAME,
        "axum",
        HTTP_FIGURE,
        rate,
        "/s",
        Target::None,
        format!("{callers} concurrent reqwest callers, same process, keep-alive"),
    );
    Ok(())
}

/// Insert + update pairs per second from `workers` connections.
async fn db_rate(sql: &Sql, workers: usize, window: Duration) -> Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + window;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let sql = sql.clone();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let mut n: i64 = 0;
            while Instant::now() < deadline {
                insert_and_update(&sql, w as i64, n).await?;
                n += 1;
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

const INSERT: &str = "INSERT INTO xxl_job_log (job_group, job_id, trigger_time, trigger_code, \
    handle_code, executor_fail_retry_count, jobwheel_fire_at, jobwheel_fire_state, \
    jobwheel_trigger_type) VALUES (1, ?, ?, 0, 0, 0, ?, 1, 'CRON')";
const UPDATE: &str = "UPDATE xxl_job_log SET trigger_code = 200, trigger_msg = 'ok', \
    jobwheel_fire_state = 0 WHERE id = ?";

async fn insert_and_update(sql: &Sql, job: i64, n: i64) -> Result<()> {
    let now = chrono::Utc::now().naive_utc();
    match sql {
        Sql::My(pool) => {
            let id = sqlx::query(INSERT)
                .bind(job)
                .bind(now)
                .bind(n)
                .execute(pool)
                .await?
                .last_insert_id();
            sqlx::query(UPDATE).bind(id as i64).execute(pool).await?;
        }
        Sql::Lite(pool) => {
            let id = sqlx::query(INSERT)
                .bind(job)
                .bind(now)
                .bind(n)
                .execute(pool)
                .await?
                .last_insert_rowid();
            sqlx::query(UPDATE).bind(id).execute(pool).await?;
        }
    }
    Ok(())
}

/// Round trips per second to a bare axum `POST /run` from `callers` concurrent callers.
async fn http_rate(callers: usize, window: Duration) -> Result<f64> {
    let app = axum::Router::new().route(
        "/run",
        post(|Json(_): Json<Value>| async { Json(json!({"code": 200})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/run", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let body = trigger_body(1, 1);
    let client = reqwest::Client::new();
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + window;
    let mut tasks = Vec::new();
    for _ in 0..callers {
        let (client, url, body, done) = (client.clone(), url.clone(), body.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let response = client.post(&url).json(&body).send().await?;
                response.error_for_status()?.bytes().await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    server.abort();
    Ok(rate)
}

/// A `/run` body as the admin sends it, for a no-op BEAN handler.
pub fn trigger_body(job_id: i32, log_id: i64) -> Value {
    json!({
        "jobId": job_id,
        "executorHandler": crate::executors::HANDLER,
        "executorParams": "",
        "executorBlockStrategy": "SERIAL_EXECUTION",
        "executorTimeout": 0,
        "logId": log_id,
        "logDateTime": jobwheel_admin::time::now_ms(),
        "glueType": "BEAN",
        "glueSource": "",
        "glueUpdatetime": 0,
        "broadcastIndex": 0,
        "broadcastTotal": 1
    })
}
