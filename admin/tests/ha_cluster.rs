//! High availability, proven with real processes: two `jobwheel-admin` binaries (on 127.0.0.1
//! and 127.0.0.2) share one fresh MariaDB database; three SDK executors register with both;
//! one-second FIX_RATE jobs are created through REST v1. Mid-way one admin is killed with
//! SIGKILL: the other keeps firing and settles the fires the dead one had taken (firing them,
//! or applying the misfire policy when they are found too late). The killed admin is started
//! again and rejoins: it wins the schedule lock and takes fires again.
//!
//! From the database afterwards: every (job, scheduled time) has exactly one log row, none is
//! missing in the window, and every row was executed exactly once or recorded as skipped (or,
//! for the fires the killed admin was sending at the instant it died, left `Claimed` for the
//! stuck-claim sweep, since whether the executor got them is unknowable).
//!
//! Short form (CI): 10 jobs for 20 s. Long form: `JOBWHEEL_HA_LONG=1`, 50 jobs for 60 s.
//! Needs `JOBWHEEL_TEST_MYSQL_URL`; skipped without.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::MysqlDatabase;
use common::app::{eventually, send};
use common::executor::logs_of;
use common::process::{AdminProcess, free_port};
use common::prometheus::Scrape;
use jobwheel_admin::schedule::orphans::SKIPPED_MSG;
use jobwheel_admin::store::{FireState, JobLog};
use jobwheel_admin::time::now_ms;
use jobwheel_executor::Executor;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const APP_NAME: &str = "ha-app";
const ACCESS_TOKEN: &str = "ha-access-token";
const API_TOKEN: &str = "ha-api-token";
const EXECUTORS: usize = 3;

/// How long each phase lasts.
struct Plan {
    jobs: usize,
    /// Both admins up, before the kill.
    before_kill: Duration,
    /// One admin dead.
    gap: Duration,
    /// Both up again, until the checked window ends.
    after_restart: Duration,
}

impl Plan {
    fn from_env() -> Self {
        if std::env::var("JOBWHEEL_HA_LONG").is_ok_and(|v| v == "1") {
            Self {
                jobs: 50,
                before_kill: Duration::from_secs(20),
                gap: Duration::from_secs(15),
                after_restart: Duration::from_secs(25),
            }
        } else {
            Self {
                jobs: 10,
                before_kill: Duration::from_secs(6),
                gap: Duration::from_secs(7),
                after_restart: Duration::from_secs(7),
            }
        }
    }
}

/// One run of a handler, as the executor saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Run {
    job_id: i32,
    scheduled: i64,
    log_id: i64,
}

type Runs = Arc<Mutex<Vec<Run>>>;

/// Starts an SDK executor registered with every admin; its handler records each run.
async fn start_executor(admins: &str, runs: Runs, logs: &std::path::Path, stop: CancellationToken) {
    let executor = Executor::builder()
        .admin_address(admins)
        .app_name(APP_NAME)
        .access_token(ACCESS_TOKEN)
        .bind_ip([127, 0, 0, 1].into())
        .port(0)
        .log_path(logs)
        .heartbeat_interval(Duration::from_secs(5))
        .callback_retry_interval(Duration::from_secs(1))
        .handler("haJobHandler", move |ctx| {
            let runs = runs.clone();
            async move {
                runs.lock().unwrap().push(Run {
                    job_id: ctx.job_id(),
                    scheduled: ctx.trigger_time_millis(),
                    log_id: ctx.log_id(),
                });
                Ok::<_, std::io::Error>("ok".to_string())
            }
        })
        .build()
        .expect("executor config")
        .bind()
        .await
        .expect("executor binds");
    tokio::spawn(executor.run(stop.cancelled_owned()));
}

/// A REST v1 call to `admin`.
fn v1(admin: &AdminProcess, method: Method, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}/api/v1{path}", admin.base))
        .bearer_auth(API_TOKEN)
}

async fn scrape(admin: &AdminProcess) -> Scrape {
    Scrape::parse(&admin.get("/metrics").await)
}

/// Fires this admin's scans have taken since it started.
async fn scan_fires(admin: &AdminProcess) -> f64 {
    scrape(admin)
        .await
        .or_zero("jobwheel_scan_fires_total", &[])
}

/// Orphans of a dead admin settled by this one, whatever the outcome.
async fn orphans_settled(admin: &AdminProcess) -> f64 {
    let scrape = scrape(admin).await;
    ["fired", "misfired", "skipped"]
        .iter()
        .map(|o| scrape.or_zero("jobwheel_orphan_fires_total", &[("outcome", o)]))
        .sum()
}

/// Every log row of `jobs`.
async fn all_logs(store: &dyn jobwheel_admin::store::Store, jobs: &[i32]) -> Vec<JobLog> {
    let mut logs = Vec::new();
    for &job in jobs {
        logs.extend(logs_of(store, job).await);
    }
    logs
}

/// A row nothing more will happen to: triggered and answered by callback, or skipped.
fn settled(log: &JobLog) -> bool {
    log.fire_state == FireState::Done && log.trigger_code != 0 && log.handle_code != 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_fire_every_second_exactly_once_through_a_kill_and_a_restart() {
    let Some(db) = MysqlDatabase::create().await else {
        eprintln!("JOBWHEEL_TEST_MYSQL_URL not set; skipping the HA cluster test");
        return;
    };
    let plan = Plan::from_env();
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = [
        ("JOBWHEEL_DATABASE_URL", db.url.clone()),
        ("JOBWHEEL_ACCESS_TOKEN", ACCESS_TOKEN.to_string()),
        ("JOBWHEEL_API_TOKENS", API_TOKEN.to_string()),
    ];
    let listen = |ip: [u8; 4]| {
        let ip = IpAddr::V4(Ipv4Addr::from(ip));
        SocketAddr::new(ip, free_port(ip))
    };
    let mut a = AdminProcess::start(listen([127, 0, 0, 1]), &settings, &dir.path().join("a.log"));
    let mut b = AdminProcess::start(listen([127, 0, 0, 2]), &settings, &dir.path().join("b.log"));
    a.wait_ready(Duration::from_secs(30)).await;
    b.wait_ready(Duration::from_secs(30)).await;
    let store = jobwheel_admin::store::connect(&db.url, 3)
        .await
        .expect("the test's own connection");

    // Three executors, each registered with both admins.
    let runs: Runs = Arc::default();
    let stop_executors = CancellationToken::new();
    let _stop_executors = stop_executors.clone().drop_guard();
    let admins = format!("{},{}", a.base, b.base);
    for _ in 0..EXECUTORS {
        start_executor(&admins, runs.clone(), dir.path(), stop_executors.clone()).await;
    }
    eventually(Duration::from_secs(15), || {
        let store = store.clone();
        async move {
            let after = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(60);
            let rows = store.registry_alive(after).await.ok()?;
            (rows.len() >= EXECUTORS).then_some(())
        }
    })
    .await;

    // The operator creates an auto group on A and the jobs on B: it is one cluster.
    let (status, group) =
        send(v1(&a, Method::POST, "/groups").json(&json!({"appname": APP_NAME, "title": "HA"})))
            .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    assert_eq!(
        group["addressList"]
            .as_str()
            .unwrap_or_default()
            .split(',')
            .count(),
        EXECUTORS,
        "{group}"
    );
    let mut first_fire: BTreeMap<i32, i64> = BTreeMap::new();
    for n in 0..plan.jobs {
        let misfire = if n % 2 == 0 {
            "DO_NOTHING"
        } else {
            "FIRE_ONCE_NOW"
        };
        let (status, job) = send(v1(&b, Method::POST, "/jobs").json(&json!({
            "jobGroup": group["id"],
            "jobDesc": format!("ha job {n}"),
            "author": "ha",
            "scheduleType": "FIX_RATE",
            "scheduleConf": "1",
            "misfireStrategy": misfire,
            "glueType": "BEAN",
            "executorHandler": "haJobHandler",
            "executorRouteStrategy": "ROUND",
            "executorBlockStrategy": "SERIAL_EXECUTION",
            "triggerStatus": 1,
        })))
        .await;
        assert_eq!(status, StatusCode::CREATED, "{job}");
        let id = i32::try_from(job["id"].as_i64().expect("job id")).expect("id");
        let next = job["triggerNextTime"].as_i64().expect("next fire");
        assert!(next > 0, "the job is scheduled: {job}");
        first_fire.insert(id, next);
    }
    let jobs: Vec<i32> = first_fire.keys().copied().collect();
    let start = *first_fire.values().min().expect("jobs");

    // Both admins schedule; then B dies right after a scan of its own committed fires,
    // which wait on its wheel (up to 5 s ahead) when it dies.
    sleep_until(start + millis(plan.before_kill)).await;
    let seen = scan_fires(&b).await;
    // Both admins scan on the second boundary; B plans fires whenever it wins the lock
    // first (a coin flip every few seconds, thanks to the scan jitter).
    let deadline = now_ms() + 40_000;
    while scan_fires(&b).await <= seen {
        assert!(now_ms() < deadline, "B never took fires\n{}", b.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    b.kill_9();
    let killed_at = now_ms();
    let status = b.wait_exit(Duration::from_secs(10)).await;
    assert!(!status.success(), "B was killed: {status}");
    let a_fires_at_kill = scan_fires(&a).await;

    // A alone.
    sleep_until(killed_at + millis(plan.gap)).await;
    let a_fires_in_gap = scan_fires(&a).await - a_fires_at_kill;
    assert!(a_fires_in_gap > 0.0, "A kept scanning\n{}", a.log());
    // B's last scan took fires up to 5 s ahead; each becomes an orphan 2 s after its time
    // and A's sweeper looks every 2 s, so the last of them may settle only after the gap.
    let settle_by = now_ms() + 20_000;
    let mut orphans = orphans_settled(&a).await;
    while orphans < 1.0 {
        assert!(now_ms() < settle_by, "A settled B's fires\n{}", a.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
        orphans = orphans_settled(&a).await;
    }

    // B rejoins: it wins the lock and takes fires again.
    b.restart();
    let restarted_at = now_ms();
    b.wait_ready(Duration::from_secs(30)).await;
    eventually(Duration::from_secs(40), || {
        let b = &b;
        async move { (scan_fires(b).await > 0.0).then_some(()) }
    })
    .await;
    let window_end = restarted_at + millis(plan.after_restart);
    sleep_until(window_end).await;

    // Everything due in the window is settled (the last callbacks may still be on the way).
    let check_end = window_end - 1000;
    let in_window = |l: &JobLog| l.fire_at.is_some_and(|t| t <= check_end);
    let stuck_zone = killed_at - 5000..=killed_at + 1000;
    let stuck_ok = |l: &JobLog| {
        l.fire_state == FireState::Claimed && l.fire_at.is_some_and(|t| stuck_zone.contains(&t))
    };
    let deadline = now_ms() + 30_000;
    let logs = loop {
        let logs = all_logs(store.as_ref(), &jobs).await;
        let open: Vec<&JobLog> = logs
            .iter()
            .filter(|l| in_window(l) && !settled(l) && !stuck_ok(l))
            .collect();
        if open.is_empty() {
            break logs;
        }
        assert!(
            now_ms() < deadline,
            "{} fires never settled, e.g. {:?}\nA:\n{}\nB:\n{}",
            open.len(),
            open[0],
            a.log(),
            b.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let b_scan_fires = scan_fires(&b).await;
    let a_metrics = scrape(&a).await;

    // Both stop gracefully.
    a.terminate();
    b.terminate();
    assert!(
        a.wait_exit(Duration::from_secs(20)).await.success(),
        "{}",
        a.log()
    );
    assert!(
        b.wait_exit(Duration::from_secs(20)).await.success(),
        "{}",
        b.log()
    );

    // Exactly once: one row per (job, scheduled time), ever.
    let mut rows: BTreeMap<(i32, i64), &JobLog> = BTreeMap::new();
    for log in &logs {
        let key = (log.job_id, log.fire_at.expect("every fire has its instant"));
        assert!(
            rows.insert(key, log).is_none(),
            "fire {key:?} recorded twice"
        );
    }
    // None missing in the window.
    let mut missing = Vec::new();
    for (&job, &first) in &first_fire {
        let mut t = first;
        while t <= check_end {
            if !rows.contains_key(&(job, t)) {
                missing.push((job, t));
            }
            t += 1000;
        }
    }
    assert!(missing.is_empty(), "fires missing: {missing:?}");

    // Each row executed exactly once, or skipped by the misfire policy, or stuck in the
    // claim the killed admin held.
    let runs = runs.lock().unwrap().clone();
    let mut runs_by_log: BTreeMap<i64, usize> = BTreeMap::new();
    let mut runs_by_fire = BTreeSet::new();
    for run in &runs {
        *runs_by_log.entry(run.log_id).or_default() += 1;
        assert!(
            runs_by_fire.insert((run.job_id, run.scheduled)),
            "{run:?} ran twice"
        );
    }
    let (mut fired, mut skipped, mut misfired, mut stuck) = (0, 0, 0, 0);
    for log in rows.values().filter(|l| in_window(l)) {
        let ran = runs_by_log.get(&log.id).copied().unwrap_or(0);
        if stuck_ok(log) {
            assert!(ran <= 1, "{log:?} ran {ran} times");
            stuck += 1;
        } else if log.handle_msg.as_deref() == Some(SKIPPED_MSG) {
            assert_eq!(ran, 0, "skipped fire ran: {log:?}");
            assert_eq!(log.trigger_code, 200, "{log:?}");
            skipped += 1;
        } else {
            assert_eq!(ran, 1, "fire ran {ran} times: {log:?}");
            assert_eq!((log.trigger_code, log.handle_code), (200, 200), "{log:?}");
            fired += 1;
            if log.trigger_type.as_deref() == Some("MISFIRE") {
                misfired += 1;
            }
        }
    }
    assert!(
        runs.iter().all(|r| rows.values().any(|l| l.id == r.log_id)),
        "every run belongs to a recorded fire"
    );
    let expected: usize = first_fire
        .values()
        .map(|&first| usize::try_from((check_end - first) / 1000 + 1).unwrap_or(0))
        .sum();
    eprintln!(
        "HA: {} jobs, window {} ms, {expected} fires due: {fired} executed once ({misfired} as \
         MISFIRE), {skipped} skipped by misfire policy, {stuck} stuck in the killed admin's \
         claims, 0 missing, 0 duplicated. A took {a_fires_in_gap} fires alone during the {} ms \
         gap and settled {orphans} of B's; B took {b_scan_fires} fires after rejoining. \
         A's mean lateness {:.1} ms, lock wait {:.2} ms.",
        plan.jobs,
        check_end - start,
        plan.gap.as_millis(),
        a_metrics
            .mean("jobwheel_fire_lateness_seconds", &[])
            .unwrap_or(0.0)
            * 1000.0,
        a_metrics
            .mean("jobwheel_scan_lock_wait_seconds", &[])
            .unwrap_or(0.0)
            * 1000.0,
    );
    assert_eq!(
        fired + skipped + stuck,
        expected,
        "every due fire accounted for"
    );
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

async fn sleep_until(epoch_ms: i64) {
    let wait = u64::try_from(epoch_ms - now_ms()).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(wait)).await;
}
