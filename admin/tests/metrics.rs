//! An operator scrapes `/metrics` of a running admin that has fired a few jobs and sees every
//! series of the scheduler with values that make sense; with `metrics_token` set, only a
//! scraper holding the token does.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::executor::{RecordingExecutor, manual_group, scheduled_job, state_over, wait_logs};
use common::prometheus::Scrape;
use jobwheel_admin::Config;
use jobwheel_admin::store::Store;
use jobwheel_admin::time::now_ms;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const JOBS: usize = 3;
const DELAY: Duration = Duration::from_millis(1200);

/// The admin as `main` runs it (scheduler, then the server) on 127.0.0.1:0; returns its base
/// URL. It stops when `shutdown` is cancelled.
async fn start_admin(
    store: Arc<dyn Store>,
    shutdown: &CancellationToken,
    tweak: impl FnOnce(&mut Config),
) -> String {
    let state = state_over(store, tweak);
    let scheduler = jobwheel_admin::schedule::spawn(&state, shutdown.clone()).expect("scheduler");
    let state = state.with_dispatcher(scheduler.dispatcher().clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!(
        "http://{}{}",
        listener.local_addr().expect("address"),
        state.config.context_path
    );
    tokio::spawn(jobwheel_admin::server::serve(
        state,
        listener,
        scheduler.stopped(),
    ));
    base
}

async fn scrape(base: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{base}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("GET /metrics")
}

async fn scrape_ok(base: &str, token: Option<&str>) -> Scrape {
    let response = scrape(base, token).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    Scrape::parse(&response.text().await.expect("body"))
}

#[tokio::test]
async fn after_a_few_fires_every_scheduler_series_has_sane_values() {
    let db = common::sqlite_store().await;
    let store = db.store.clone();
    let executor = RecordingExecutor::start().await;
    executor.set_delay(DELAY);
    let group = manual_group(store.as_ref(), "metered", &[&executor.address]).await;
    let first = (now_ms() + 1500) / 1000 * 1000 + 1000;
    let mut jobs = Vec::new();
    for _ in 0..JOBS {
        jobs.push(scheduled_job(store.as_ref(), group, "FIX_RATE", "1", "DO_NOTHING", first).await);
    }
    let shutdown = CancellationToken::new();
    let base = start_admin(store.clone(), &shutdown, |config| {
        config.fast_pool_size = 7;
        config.slow_pool_size = 3;
    })
    .await;

    // While the executor holds the first calls, the pool shows busy workers.
    executor.wait_for(JOBS, Duration::from_secs(15)).await;
    let busy = scrape_ok(&base, None).await;
    let busy_workers = busy.or_zero("jobwheel_dispatch_busy_workers", &[("pool", "fast")]);
    assert!(
        (1.0..=7.0).contains(&busy_workers),
        "busy fast workers: {busy_workers}"
    );
    assert_eq!(
        busy.value("jobwheel_dispatch_workers", &[("pool", "fast")]),
        Some(7.0)
    );
    assert_eq!(
        busy.value("jobwheel_dispatch_workers", &[("pool", "slow")]),
        Some(3.0)
    );

    // Two seconds of fires, all answered.
    for &job in &jobs {
        wait_logs(store.as_ref(), job, Duration::from_secs(15), |logs| {
            logs.iter().filter(|l| l.trigger_code == 200).count() >= 2
        })
        .await;
    }
    let m = scrape_ok(&base, None).await;
    let text = m
        .samples
        .iter()
        .filter(|s| s.name.starts_with("jobwheel_") && !s.name.ends_with("_bucket"))
        .map(|s| format!("{} {:?} {}", s.name, s.labels, s.value))
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("{text}");

    let successes = m.or_zero(
        "jobwheel_fires_total",
        &[("result", "success"), ("trigger_type", "CRON")],
    );
    assert!(
        successes >= (2 * JOBS) as f64,
        "successful fires: {successes}\n{text}"
    );
    assert_eq!(
        m.or_zero("jobwheel_fires_total", &[("result", "failed")]),
        0.0,
        "{text}"
    );

    let fired = m.or_zero("jobwheel_fire_lateness_seconds_count", &[]);
    assert!(
        fired >= successes,
        "lateness observed for {fired} fires\n{text}"
    );
    let lateness = m
        .mean("jobwheel_fire_lateness_seconds", &[])
        .expect("lateness");
    assert!(
        (0.0..0.5).contains(&lateness),
        "mean lateness {lateness} s\n{text}"
    );

    let call = m
        .mean(
            "jobwheel_executor_call_duration_seconds",
            &[("result", "success")],
        )
        .expect("call latency");
    assert!(
        call >= DELAY.as_secs_f64() && call < 3.0,
        "mean executor call {call} s\n{text}"
    );

    assert!(
        m.or_zero("jobwheel_scans_total", &[("result", "ok")]) >= 1.0,
        "{text}"
    );
    assert!(
        m.or_zero("jobwheel_scan_jobs_total", &[]) >= JOBS as f64,
        "{text}"
    );
    let scan_fires = m.or_zero("jobwheel_scan_fires_total", &[]);
    assert!(
        scan_fires >= successes,
        "scans recorded {scan_fires} fires\n{text}"
    );
    let scan = m
        .mean("jobwheel_scan_duration_seconds", &[])
        .expect("scan duration");
    let lock = m
        .mean("jobwheel_scan_lock_wait_seconds", &[])
        .expect("lock wait");
    assert!(scan > 0.0 && scan < 1.0, "mean scan {scan} s\n{text}");
    assert!(
        lock >= 0.0 && lock <= scan,
        "mean lock wait {lock} s, scan {scan} s\n{text}"
    );

    let queued = m.or_zero("jobwheel_dispatch_queued", &[("pool", "fast")]);
    assert!((0.0..=7.0).contains(&queued), "queued: {queued}\n{text}");
    assert!(
        m.samples
            .iter()
            .any(|s| s.name == "jobwheel_fire_lateness_seconds_bucket"
                && s.labels.get("le").map(String::as_str) == Some("0.1")),
        "histograms have buckets\n{text}"
    );
    shutdown.cancel();
}

#[tokio::test]
async fn with_a_metrics_token_only_a_scraper_holding_it_reads_metrics() {
    let db = common::sqlite_store().await;
    let shutdown = CancellationToken::new();
    let base = start_admin(db.store.clone(), &shutdown, |config| {
        // Tests of one binary share the process-wide recorder: same pool sizes everywhere.
        config.fast_pool_size = 7;
        config.slow_pool_size = 3;
        config.context_path = "/xxl-job-admin".into();
        config.metrics_token = Some("scrape-me".into());
    })
    .await;
    assert!(base.ends_with("/xxl-job-admin"));

    for token in [None, Some("wrong"), Some("scrape-me2")] {
        let response = scrape(&base, token).await;
        assert_eq!(response.status(), 401, "token {token:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
    }
    let scrape = scrape_ok(&base, Some("scrape-me")).await;
    assert!(
        scrape
            .value("jobwheel_dispatch_workers", &[("pool", "fast")])
            .is_some(),
        "{scrape:?}"
    );
    let health = reqwest::get(format!("{base}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200, "health checks stay open");
    shutdown.cancel();
}
