//! An operator stops the real `jobwheel-admin` binary with SIGTERM while fires are in
//! flight: it exits 0 within a bound, the fires it had sent are recorded with the executor's
//! answer, the fires still waiting on its wheel stay `Pending` in the database, and the next
//! start fires those, each exactly once.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use common::executor::{RecordingExecutor, logs_of, manual_group, scheduled_job};
use common::process::{AdminProcess, free_port};
use jobwheel_admin::schedule::orphans::SKIPPED_MSG;
use jobwheel_admin::store::{self, FireState, JobLog};
use jobwheel_admin::time::now_ms;

const JOBS: usize = 3;
/// How long the executor holds each trigger call: long enough for SIGTERM to find calls in
/// flight, shorter than the admin's executor timeout (3 s).
const HOLD: Duration = Duration::from_millis(2000);
/// SIGTERM to exit: the drain bound (10 s) plus start-up slack.
const EXIT_BOUND: Duration = Duration::from_secs(15);

async fn all_logs(url: &str, jobs: &[i32]) -> Vec<JobLog> {
    let store = store::connect(url, 2)
        .await
        .expect("open the admin's database");
    let mut logs = Vec::new();
    for &job in jobs {
        logs.extend(logs_of(store.as_ref(), job).await);
    }
    logs
}

/// How many of `ids` are not `Done` yet, read beside the running admin (which holds the
/// store's one-admin lock, so the test reads the file with a plain connection).
async fn still_pending(url: &str, ids: &BTreeSet<i64>) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url)
        .await
        .expect("read the database");
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!(
        "SELECT COUNT(*) FROM xxl_job_log WHERE jobwheel_fire_state <> 0 AND id IN ({list})"
    );
    let count = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut conn)
        .await
        .expect("count pending fires");
    let _ = conn.close().await;
    count
}

#[tokio::test]
async fn sigterm_drains_in_flight_fires_and_leaves_waiting_ones_for_the_next_start() {
    let db = common::sqlite_store().await;
    let url = db.url.clone();
    let executor = RecordingExecutor::start().await;
    executor.set_delay(HOLD);
    let group = manual_group(db.store.as_ref(), "graceful", &[&executor.address]).await;
    let first = (now_ms() + 2500) / 1000 * 1000 + 1000;
    let mut jobs = Vec::new();
    for _ in 0..JOBS {
        jobs.push(
            scheduled_job(
                db.store.as_ref(),
                group,
                "FIX_RATE",
                "1",
                "DO_NOTHING",
                first,
            )
            .await,
        );
    }
    // SQLite admits one admin per file: the test lets go of it before the binary starts.
    let (store, _home) = db.into_parts();
    drop(store);

    let dir = tempfile::tempdir().expect("temp dir");
    let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let listen = SocketAddr::new(ip, free_port(ip));
    let mut admin = AdminProcess::start(
        listen,
        &[("JOBWHEEL_DATABASE_URL", url.clone())],
        &dir.path().join("admin.log"),
    );
    admin.wait_ready(Duration::from_secs(20)).await;

    // Two seconds of fires reach the executor; the latest are still being answered.
    executor.wait_for(2 * JOBS, Duration::from_secs(20)).await;
    let term_at = now_ms();
    admin.terminate();
    let status = admin.wait_exit(EXIT_BOUND).await;
    let stopped_in = now_ms() - term_at;
    let log = admin.log();
    assert!(status.success(), "exit status {status}\n{log}");
    let order = ["scan loop stopped", "scheduler stopped"].map(|line| log.find(line));
    assert!(
        matches!(order, [Some(scan), Some(all)] if scan < all),
        "the scan loop stops first, then the pools drain:\n{log}"
    );

    let received = executor.received();
    let in_flight = received
        .iter()
        .filter(|r| r.at + HOLD.as_millis() as i64 > term_at)
        .count();
    assert!(
        in_flight >= 1,
        "no call was in flight at SIGTERM: {received:?}"
    );
    let sent: BTreeSet<i64> = received.iter().map(|r| r.param.log_id).collect();
    assert_eq!(sent.len(), received.len(), "a fire was sent twice");

    let logs = all_logs(&url, &jobs).await;
    let by_state = |state: FireState| -> Vec<&JobLog> {
        logs.iter().filter(|l| l.fire_state == state).collect()
    };
    assert!(
        by_state(FireState::Claimed).is_empty(),
        "fires left claimed: {logs:#?}"
    );
    let done: BTreeSet<i64> = by_state(FireState::Done).iter().map(|l| l.id).collect();
    assert_eq!(done, sent, "exactly the fires sent are recorded as done");
    for log in by_state(FireState::Done) {
        assert_eq!(
            log.trigger_code, 200,
            "in-flight fire {} not recorded: {log:?}",
            log.id
        );
    }
    let pending: BTreeSet<i64> = by_state(FireState::Pending).iter().map(|l| l.id).collect();
    assert!(
        !pending.is_empty(),
        "the wheel held no fire at SIGTERM: {logs:#?}"
    );
    eprintln!(
        "SIGTERM: exited 0 after {stopped_in} ms; {} fires sent ({in_flight} in flight, all recorded), {} left pending",
        sent.len(),
        pending.len()
    );

    // The next start fires what was left pending (late by the gap, within the misfire
    // tolerance) or, if the gap grew past it, records it as skipped; never twice.
    executor.set_delay(Duration::ZERO);
    admin.restart();
    admin.wait_ready(Duration::from_secs(20)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while still_pending(&url, &pending).await > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "pending fires never settled after restart\n{}",
            admin.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    admin.terminate();
    assert!(
        admin.wait_exit(EXIT_BOUND).await.success(),
        "{}",
        admin.log()
    );

    let settled: BTreeMap<i64, JobLog> = all_logs(&url, &jobs)
        .await
        .into_iter()
        .filter(|l| pending.contains(&l.id))
        .map(|l| (l.id, l))
        .collect();
    let received = executor.received();
    let mut fired_after_restart = 0;
    for (id, log) in &settled {
        let deliveries = received.iter().filter(|r| r.param.log_id == *id).count();
        let skipped = log.handle_msg.as_deref() == Some(SKIPPED_MSG);
        match (deliveries, skipped) {
            (1, false) => {
                assert_eq!(log.trigger_code, 200, "{log:?}");
                fired_after_restart += 1;
            }
            (0, true) => {}
            _ => panic!("fire {id}: {deliveries} deliveries, skipped {skipped}: {log:?}"),
        }
    }
    assert!(
        fired_after_restart >= 1,
        "nothing left pending was fired: {settled:#?}"
    );
    let all = all_logs(&url, &jobs).await;
    let unique: BTreeSet<(i32, Option<i64>)> = all.iter().map(|l| (l.job_id, l.fire_at)).collect();
    assert_eq!(unique.len(), all.len(), "a (job, fire time) recorded twice");
    eprintln!(
        "restart: {fired_after_restart} of {} pending fires fired, the rest skipped",
        settled.len()
    );
}
