//! The story a new user lives: an app embedding the executor SDK registers with the admin; the
//! operator creates an executor group and a one-second cron job through REST v1 and starts
//! it; the job fires every second on the executor, each result comes back by callback, and
//! the operator reads the logs: handle code 200, one log per scheduled second.
//!
//! Everything is real: the admin (scheduler + HTTP server) on 127.0.0.1:0, the SDK executor on
//! 127.0.0.1:0 speaking the XXL-JOB protocol over HTTP, and the store (SQLite, and MariaDB
//! when `JOBWHEEL_TEST_MYSQL_URL` is set).

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::app::{TestApp, eventually, send};
use jobwheel_admin::store::Store;
use jobwheel_executor::Executor;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const APP_NAME: &str = "first-job-app";
const ACCESS_TOKEN: &str = "first-job-token";

/// Starts an SDK executor whose `demoJobHandler` counts its runs; returns its address.
async fn start_executor(
    admin: &str,
    runs: Arc<AtomicUsize>,
    logs: &std::path::Path,
    stop: CancellationToken,
) -> String {
    let executor = Executor::builder()
        .admin_address(admin)
        .app_name(APP_NAME)
        .access_token(ACCESS_TOKEN)
        .bind_ip([127, 0, 0, 1].into())
        .port(0)
        .log_path(logs)
        .handler("demoJobHandler", move |ctx| {
            let runs = runs.clone();
            async move {
                ctx.log(format!("hello from shard {}", ctx.shard_index()));
                runs.fetch_add(1, Ordering::SeqCst);
                Ok::<_, std::io::Error>("done".to_string())
            }
        })
        .build()
        .expect("executor config")
        .bind()
        .await
        .expect("executor binds");
    let address = executor.address().to_string();
    tokio::spawn(executor.run(stop.cancelled_owned()));
    address
}

async fn a_one_second_cron_job_fires_every_second_and_succeeds(store: Arc<dyn Store>) {
    let app = TestApp::start(store, |config| {
        config.access_token = Some(ACCESS_TOKEN.to_string());
    })
    .await;
    let logs = tempfile::tempdir().expect("temp dir");
    let runs = Arc::new(AtomicUsize::new(0));
    let stop = CancellationToken::new();
    let _stop_executor = stop.clone().drop_guard();
    let address = start_executor(&app.base, runs.clone(), logs.path(), stop).await;

    // The executor's first heartbeat reaches the admin.
    let state = app.state.clone();
    eventually(Duration::from_secs(10), || {
        let state = state.clone();
        async move {
            let live = jobwheel_admin::service::registry::live_addresses(&state)
                .await
                .ok()?;
            live.get(APP_NAME).filter(|a| !a.is_empty()).map(|_| ())
        }
    })
    .await;

    // An auto group for the app: its address list is computed at once from the registry.
    let (status, group) = send(
        app.v1(Method::POST, "/groups")
            .json(&json!({"appname": APP_NAME, "title": "First app"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    assert_eq!(group["addressList"], json!(address), "{group}");

    let (status, job) = send(app.v1(Method::POST, "/jobs").json(&json!({
        "jobGroup": group["id"],
        "jobDesc": "say hello every second",
        "author": "newcomer",
        "scheduleType": "CRON",
        "scheduleConf": "* * * * * ?",
        "glueType": "BEAN",
        "executorHandler": "demoJobHandler",
        "executorRouteStrategy": "FIRST",
        "executorBlockStrategy": "SERIAL_EXECUTION",
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let job_id = job["id"].as_i64().expect("job id");
    let (status, started) = send(app.v1(Method::POST, &format!("/jobs/{job_id}/start"))).await;
    assert_eq!(status, StatusCode::OK, "{started}");

    // Three successful runs, each reported back by callback.
    let logs = eventually(Duration::from_secs(20), || {
        let app = &app;
        async move {
            let (_, page) = send(app.v1(
                Method::GET,
                &format!("/logs?job={job_id}&status=success&limit=100"),
            ))
            .await;
            // A fast run's result can land a moment before its trigger outcome is written
            // (as in XXL-JOB): count the rows whose trigger is recorded too.
            let rows: Vec<_> = page["data"]
                .as_array()?
                .iter()
                .filter(|l| l["fireState"] == "done")
                .cloned()
                .collect();
            (rows.len() >= 3).then_some(rows)
        }
    })
    .await;
    assert!(runs.load(Ordering::SeqCst) >= 3, "the handler really ran");
    for log in &logs {
        assert_eq!(log["triggerCode"], 200, "{log}");
        assert_eq!(log["handleCode"], 200, "{log}");
        assert_eq!(log["executorAddress"], json!(address), "{log}");
    }
    // One log per scheduled second: no second fired twice.
    let fire_times: Vec<i64> = logs.iter().filter_map(|l| l["fireAt"].as_i64()).collect();
    assert_eq!(
        fire_times.len(),
        logs.len(),
        "every scheduled fire has its instant"
    );
    let distinct: HashSet<i64> = fire_times.iter().copied().collect();
    assert_eq!(distinct.len(), fire_times.len(), "{fire_times:?}");
    assert!(
        fire_times.iter().all(|t| t % 1000 == 0),
        "cron fires fall on whole seconds: {fire_times:?}"
    );

    // One log in full, as the operator opens it.
    let id = logs[0]["id"].as_i64().expect("log id");
    let (status, one) = send(app.v1(Method::GET, &format!("/logs/{id}"))).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["jobId"], job_id, "{one}");
    assert!(
        one["triggerMsg"]
            .as_str()
            .is_some_and(|m| m.contains("Trigger")),
        "{one}"
    );
}

on_every_store!(a_one_second_cron_job_fires_every_second_and_succeeds);
