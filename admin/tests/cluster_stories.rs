//! Two admins on one MariaDB share ten one-second jobs: every (job, fire time) fires exactly
//! once, also when one admin dies abruptly after committing fires it never got to send.
//!
//! Needs `JOBWHEEL_TEST_MYSQL_URL` (e.g. `mysql://root@127.0.0.1:3306/test`); skipped without.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use common::executor::{RecordingExecutor, logs_of, manual_group, scheduled_job, state_over};
use jobwheel_admin::dispatch::Dispatcher;
use jobwheel_admin::schedule::scheduler::{self, Scheduler};
use jobwheel_admin::store::{FireState, Store};
use jobwheel_admin::time::now_ms;
use tokio_util::sync::CancellationToken;

const JOBS: usize = 10;
/// Seconds of fires checked (more when B dies late).
const SECONDS: i64 = 10;

fn admin(store: Arc<dyn Store>, shutdown: &CancellationToken) -> Scheduler {
    let state = state_over(store, |_| {});
    let dispatcher = Dispatcher::start(&state).expect("dispatcher");
    scheduler::spawn_with(&state, dispatcher, shutdown.clone(), |sweeper| {
        sweeper.period = Duration::from_millis(500);
        sweeper.grace = Duration::from_secs(1);
    })
}

async fn run_cluster(kill_one: bool) {
    let Some(db) = common::mysql_store().await else {
        eprintln!("JOBWHEEL_TEST_MYSQL_URL not set; skipping");
        return;
    };
    let store_a = db.store.clone();
    let store_b = jobwheel_admin::store::connect(&db.url, 5)
        .await
        .expect("second admin's store");
    let executor = RecordingExecutor::start().await;
    let group = manual_group(store_a.as_ref(), "cluster", &[&executor.address]).await;
    let first = (now_ms() + 1500) / 1000 * 1000 + 1000;
    let mut jobs = Vec::new();
    for _ in 0..JOBS {
        jobs.push(
            scheduled_job(
                store_a.as_ref(),
                group,
                "FIX_RATE",
                "1",
                "DO_NOTHING",
                first,
            )
            .await,
        );
    }
    let mut last = first + (SECONDS - 1) * 1000;

    let (stop_a, stop_b) = (CancellationToken::new(), CancellationToken::new());
    let a = admin(store_a.clone(), &stop_a);
    let mut b = Some(admin(store_b, &stop_b));
    let mut aborted_at = None;
    if kill_one {
        // Mid-way, right after a scan of B committed fires (they wait on its wheel, up to
        // 5 s ahead), B dies.
        let b = b.take().expect("B runs");
        let mut stats = b.scan_stats();
        let fresh_fires = async {
            loop {
                stats.changed().await.expect("B alive");
                if stats.borrow_and_update().last_fires > 0 && now_ms() >= first + 2000 {
                    break;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(30), fresh_fires)
            .await
            .expect("B wins a scan");
        b.abort().await;
        let now = now_ms();
        aborted_at = Some(now);
        // Wait for every fire B left behind.
        last = last.max(now / 1000 * 1000 + 5000);
    }

    // Wait (bounded) until every fire up to `last` of every job is settled: recorded, and no
    // longer waiting (`Pending`). A fire B died sending stays `Claimed`.
    let seconds = (last - first) / 1000 + 1;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    'settled: while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        for &job_id in &jobs {
            let settled = logs_of(store_a.as_ref(), job_id)
                .await
                .iter()
                .filter(|l| l.fire_at.is_some_and(|t| t <= last))
                .filter(|l| l.fire_state != FireState::Pending)
                .count();
            if settled < seconds as usize {
                continue 'settled;
            }
        }
        break;
    }
    // (A row is marked done only after its executor answered, so the executor has seen
    // every done fire by now.)
    stop_a.cancel();
    stop_b.cancel();
    a.stopped().await;
    if let Some(b) = b {
        b.stopped().await;
    }

    let received = executor.received();
    let mut sent: BTreeMap<(i32, i64), usize> = BTreeMap::new();
    for r in &received {
        *sent
            .entry((r.param.job_id, r.param.log_date_time))
            .or_default() += 1;
    }
    assert!(
        sent.values().all(|&n| n == 1),
        "a fire reached the executor twice: {sent:?}"
    );
    let mut late_after_abort = 0;
    for &job_id in &jobs {
        let logs = logs_of(store_a.as_ref(), job_id).await;
        let mut times = BTreeSet::new();
        for log in &logs {
            let fire_at = log.fire_at.expect("fire_at");
            assert!(
                times.insert(fire_at),
                "job {job_id}: fire {fire_at} recorded twice"
            );
            if fire_at <= last {
                assert_ne!(
                    log.fire_state,
                    FireState::Pending,
                    "job {job_id}: fire {fire_at} never fired"
                );
            }
        }
        for second in 0..seconds {
            let fire_at = first + second * 1000;
            assert!(
                times.contains(&fire_at),
                "job {job_id}: fire {fire_at} missing"
            );
            // A fire B claimed and died sending stays Claimed (closed later as failed);
            // every other fire reached the executor exactly once.
            let row = logs.iter().find(|l| l.fire_at == Some(fire_at)).unwrap();
            if row.fire_state == FireState::Done {
                assert_eq!(
                    sent.get(&(job_id, fire_at)),
                    Some(&1),
                    "job {job_id}: fire {fire_at}"
                );
            } else {
                assert!(
                    kill_one,
                    "only a killed admin leaves claims behind: {row:?}"
                );
            }
        }
        if let Some(aborted_at) = aborted_at {
            late_after_abort += received
                .iter()
                .filter(|r| r.param.job_id == job_id && r.param.log_date_time > aborted_at)
                .filter(|r| r.at - r.param.log_date_time >= 900)
                .count();
        }
    }
    if kill_one {
        assert!(
            late_after_abort > 0,
            "B's orphaned fires were fired by A's sweeper"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_fire_every_second_exactly_once() {
    run_cluster(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn when_an_admin_dies_the_other_fires_its_orphans_exactly_once() {
    run_cluster(true).await;
}
