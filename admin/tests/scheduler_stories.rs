//! Stories of the scheduler of one admin: jobs fire on time, every fire exactly once; late
//! fires follow the job's misfire strategy; fires orphaned by an admin that died are fired
//! (or skipped) by another, exactly once.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use common::executor::{
    RecordingExecutor, leave_intent, logs_of, manual_group, scheduled_job, state_over, wait_logs,
};
use jobwheel_admin::dispatch::Dispatcher;
use jobwheel_admin::schedule::orphans::{OrphanSweeper, SweepReport};
use jobwheel_admin::schedule::scheduler;
use jobwheel_admin::store::{FireState, JobLog, Store};
use jobwheel_admin::time::now_ms;
use tokio_util::sync::CancellationToken;

/// The next whole second at least `ahead_ms` from now.
fn second_after(ahead_ms: i64) -> i64 {
    (now_ms() + ahead_ms) / 1000 * 1000 + 1000
}

/// Asserts each (job, fire_at) has one row only.
fn assert_unique_fires(logs: &[JobLog]) {
    let mut seen = BTreeSet::new();
    for log in logs {
        assert!(
            seen.insert((log.job_id, log.fire_at)),
            "fire ({}, {:?}) recorded twice",
            log.job_id,
            log.fire_at
        );
    }
}

#[tokio::test]
async fn a_fix_rate_job_and_a_cron_job_fire_every_second_on_time() {
    let db = common::sqlite_store().await;
    let store = db.store.clone();
    let executor = RecordingExecutor::start().await;
    let group = manual_group(store.as_ref(), "clock", &[&executor.address]).await;
    let first = second_after(1500);
    let fix_rate = scheduled_job(store.as_ref(), group, "FIX_RATE", "1", "DO_NOTHING", first).await;
    let cron = scheduled_job(
        store.as_ref(),
        group,
        "CRON",
        "* * * * * ?",
        "DO_NOTHING",
        first,
    )
    .await;
    let state = state_over(store.clone(), |_| {});
    let shutdown = CancellationToken::new();
    let running = scheduler::spawn(&state, shutdown.clone()).expect("scheduler");

    let seen = executor.wait_for(12, Duration::from_secs(20)).await;
    shutdown.cancel();
    running.stopped().await;

    let mut by_job: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for received in &seen {
        let late = received.at - received.param.log_date_time;
        assert!(
            (0..500).contains(&late),
            "job {} fired {late} ms after its time",
            received.param.job_id
        );
        by_job
            .entry(received.param.job_id)
            .or_default()
            .push(received.param.log_date_time);
    }
    for job_id in [fix_rate, cron] {
        let times = &by_job[&job_id];
        assert!(times.len() >= 5, "job {job_id} fired {} times", times.len());
        assert_eq!(times[0], first, "job {job_id} starts at its first fire");
        for pair in times.windows(2) {
            assert_eq!(pair[1] - pair[0], 1000, "job {job_id} fired at {times:?}");
        }
        assert_unique_fires(&logs_of(store.as_ref(), job_id).await);
    }
}

#[tokio::test]
async fn after_a_long_gap_do_nothing_skips_and_fire_once_now_fires_once() {
    let db = common::sqlite_store().await;
    let store = db.store.clone();
    let executor = RecordingExecutor::start().await;
    let group = manual_group(store.as_ref(), "gap", &[&executor.address]).await;
    // Both jobs were due a minute ago (the admin was down) and fire once an hour.
    let missed = now_ms() - 60_000;
    let skip = scheduled_job(
        store.as_ref(),
        group,
        "FIX_RATE",
        "3600",
        "DO_NOTHING",
        missed,
    )
    .await;
    let once = scheduled_job(
        store.as_ref(),
        group,
        "FIX_RATE",
        "3600",
        "FIRE_ONCE_NOW",
        missed,
    )
    .await;
    let state = state_over(store.clone(), |_| {});
    let shutdown = CancellationToken::new();
    let running = scheduler::spawn(&state, shutdown.clone()).expect("scheduler");

    let seen = executor.wait_for(1, Duration::from_secs(10)).await;
    let rows = wait_logs(store.as_ref(), once, Duration::from_secs(10), |l| {
        l.len() == 1 && l[0].trigger_code == 200
    })
    .await;
    shutdown.cancel();
    running.stopped().await;

    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].param.job_id, once);
    assert_eq!(rows[0].trigger_type.as_deref(), Some("MISFIRE"));
    assert!(
        rows[0]
            .trigger_msg
            .as_deref()
            .unwrap()
            .contains("Misfire compensation trigger")
    );
    assert!(
        logs_of(store.as_ref(), skip).await.is_empty(),
        "DO_NOTHING fires nothing"
    );
    for job_id in [skip, once] {
        let job = store.get_job(job_id).await.unwrap().unwrap();
        assert!(
            job.trigger_next_time > now_ms() + 3_000_000,
            "job {job_id} resumes from now, not from the missed time"
        );
        assert_eq!(job.trigger_status, 1);
    }
}

#[tokio::test]
async fn a_job_whose_schedule_no_longer_parses_is_stopped_and_others_keep_firing() {
    let db = common::sqlite_store().await;
    let store = db.store.clone();
    let executor = RecordingExecutor::start().await;
    let group = manual_group(store.as_ref(), "broken", &[&executor.address]).await;
    let first = second_after(500);
    let broken = scheduled_job(
        store.as_ref(),
        group,
        "CRON",
        "not a cron",
        "DO_NOTHING",
        first,
    )
    .await;
    let healthy = scheduled_job(store.as_ref(), group, "FIX_RATE", "1", "DO_NOTHING", first).await;
    let state = state_over(store.clone(), |_| {});
    let shutdown = CancellationToken::new();
    let running = scheduler::spawn(&state, shutdown.clone()).expect("scheduler");
    let seen = executor.wait_for(2, Duration::from_secs(10)).await;
    shutdown.cancel();
    running.stopped().await;
    assert!(seen.iter().all(|r| r.param.job_id == healthy));
    let job = store.get_job(broken).await.unwrap().unwrap();
    assert_eq!((job.trigger_status, job.trigger_next_time), (0, 0));
}

#[tokio::test]
async fn orphaned_fires_are_fired_or_skipped_by_their_misfire_strategy_exactly_once() {
    let db = common::sqlite_store().await;
    let store: Arc<dyn Store> = db.store.clone();
    let executor = RecordingExecutor::start().await;
    let group = manual_group(store.as_ref(), "orphans", &[&executor.address]).await;
    let far = now_ms() + 3_600_000;
    let skip = scheduled_job(store.as_ref(), group, "FIX_RATE", "1", "DO_NOTHING", far).await;
    let once = scheduled_job(store.as_ref(), group, "FIX_RATE", "1", "FIRE_ONCE_NOW", far).await;
    let recent = scheduled_job(store.as_ref(), group, "FIX_RATE", "1", "DO_NOTHING", far).await;
    let stuck = scheduled_job(store.as_ref(), group, "FIX_RATE", "1", "DO_NOTHING", far).await;
    let now = now_ms();
    for job_id in [skip, once] {
        for late in [60_000, 59_000, 58_000] {
            leave_intent(
                store.as_ref(),
                group,
                job_id,
                now - late,
                FireState::Pending,
            )
            .await;
        }
    }
    let recent_fire = now - 3_000;
    leave_intent(
        store.as_ref(),
        group,
        recent,
        recent_fire,
        FireState::Pending,
    )
    .await;
    leave_intent(
        store.as_ref(),
        group,
        stuck,
        now - 1_200_000,
        FireState::Claimed,
    )
    .await;

    // Two admins sweep; each orphan is settled once.
    let state = state_over(store.clone(), |_| {});
    // (Each admin's dispatcher lives on: dropping one aborts the triggers it holds.)
    let mut reports = Vec::new();
    let mut admins = Vec::new();
    for _ in 0..2 {
        let mut sweeper = OrphanSweeper::new(&state, Dispatcher::start(&state).unwrap());
        sweeper.grace = Duration::from_secs(1);
        reports.push(sweeper.sweep_once().await.expect("sweep"));
        admins.push(sweeper);
    }
    assert_eq!(
        reports[0],
        SweepReport {
            fired: 1,
            misfired: 1,
            skipped: 5,
            stuck: 1
        }
    );
    assert_eq!(
        reports[1].skipped + reports[1].stuck as usize,
        0,
        "{:?}",
        reports[1]
    );

    let seen = executor.wait_for(2, Duration::from_secs(10)).await;
    let recent_rows = wait_logs(
        store.as_ref(),
        recent,
        Duration::from_secs(10),
        common::executor::all_triggered,
    )
    .await;
    assert_eq!(recent_rows[0].trigger_code, 200);
    let once_rows = wait_logs(
        store.as_ref(),
        once,
        Duration::from_secs(10),
        common::executor::all_triggered,
    )
    .await;
    assert_eq!(
        seen.len(),
        2,
        "one fire for the recent orphan, one MISFIRE: {seen:?}"
    );
    let recent_seen = seen.iter().find(|r| r.param.job_id == recent).unwrap();
    assert_eq!(recent_seen.param.log_date_time, recent_fire);
    let once_seen = seen.iter().find(|r| r.param.job_id == once).unwrap();
    let misfired = once_rows
        .iter()
        .find(|l| l.id == once_seen.param.log_id)
        .unwrap();
    assert!(
        misfired
            .trigger_msg
            .as_deref()
            .unwrap()
            .contains("Misfire compensation trigger")
    );
    assert_eq!(
        once_rows.iter().filter(|l| l.handle_code == 200).count(),
        2,
        "the other misses are skipped"
    );

    let skipped = logs_of(store.as_ref(), skip).await;
    assert_eq!(skipped.len(), 3);
    for row in &skipped {
        assert_eq!(
            (row.trigger_code, row.handle_code),
            (200, 200),
            "a skip is no failure"
        );
        assert!(row.handle_msg.as_deref().unwrap().contains("not executed"));
        assert_eq!(row.fire_state, FireState::Done);
    }
    let stuck_rows = logs_of(store.as_ref(), stuck).await;
    assert_eq!(
        stuck_rows[0].trigger_code, 500,
        "a stuck claim is a failure retry can act on"
    );
    assert_eq!(stuck_rows[0].fire_state, FireState::Done);
    assert!(
        executor
            .received()
            .iter()
            .all(|r| r.param.job_id != skip && r.param.job_id != stuck)
    );
}

#[tokio::test]
async fn a_graceful_stop_leaves_waiting_fires_pending_for_the_next_admin() {
    let db = common::sqlite_store().await;
    let store = db.store.clone();
    let executor = RecordingExecutor::start().await;
    let group = manual_group(store.as_ref(), "handover", &[&executor.address]).await;
    let job_id = scheduled_job(
        store.as_ref(),
        group,
        "FIX_RATE",
        "1",
        "DO_NOTHING",
        second_after(3000),
    )
    .await;
    let state = state_over(store.clone(), |_| {});
    let shutdown = CancellationToken::new();
    let running = scheduler::spawn(&state, shutdown.clone()).expect("scheduler");
    let mut stats = running.scan_stats();
    stats.wait_for(|s| s.fires > 0).await.unwrap();
    shutdown.cancel();
    running.stopped().await;
    let pending = logs_of(store.as_ref(), job_id).await;
    assert!(!pending.is_empty());
    assert!(pending.iter().all(|l| l.fire_state == FireState::Pending));
    assert!(executor.received().is_empty());

    // The next admin fires them.
    let shutdown = CancellationToken::new();
    let next_admin = scheduler::spawn_with(
        &state,
        Dispatcher::start(&state).unwrap(),
        shutdown.clone(),
        |s| {
            s.period = Duration::from_millis(500);
            s.grace = Duration::from_millis(500);
        },
    );
    let ids: BTreeSet<i64> = pending.iter().map(|l| l.id).collect();
    wait_logs(store.as_ref(), job_id, Duration::from_secs(15), |logs| {
        logs.iter()
            .filter(|l| ids.contains(&l.id))
            .all(|l| l.fire_state == FireState::Done && l.trigger_code == 200)
    })
    .await;
    shutdown.cancel();
    next_admin.stopped().await;
    let fired: Vec<i64> = executor.received().iter().map(|r| r.param.log_id).collect();
    for id in &ids {
        assert_eq!(
            fired.iter().filter(|f| *f == id).count(),
            1,
            "intent {id} fired once"
        );
    }
    assert_unique_fires(&logs_of(store.as_ref(), job_id).await);
}
