//! An operator scrapes `/metrics` of a running admin that has fired a few jobs and sees every
//! series of the scheduler with values that make sense. The admin has a `metrics_token`, so
//! only a scraper holding it does; the health checks stay open.
//!
//! One admin per test binary: the recorder is process-wide, so a second admin in the same
//! process would write the same gauges.

mod common;

use std::time::Duration;

use common::app::TestApp;
use common::executor::{RecordingExecutor, manual_group, scheduled_job, wait_logs};
use common::prometheus::Scrape;
use jobwheel_admin::Config;
use jobwheel_admin::time::{now_ms, now_naive};
use jobwheel_executor::protocol::RegistryParam;

const JOBS: usize = 3;
const DELAY: Duration = Duration::from_millis(1200);

const TOKEN: &str = "scrape-me";

fn configure(config: &mut Config) {
    config.fast_pool_size = 7;
    config.slow_pool_size = 3;
    config.context_path = "/xxl-job-admin".into();
    config.metrics_token = Some(TOKEN.into());
}

async fn scrape(base: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{base}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("GET /metrics")
}

async fn scrape_ok(base: &str) -> Scrape {
    let response = scrape(base, Some(TOKEN)).await;
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
async fn after_a_few_fires_a_scraper_with_the_token_sees_every_series_with_sane_values() {
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
    // One executor heartbeat is on record: the registry monitor counts it at start.
    let beat = RegistryParam::executor("metered", &executor.address);
    store
        .registry_save(&beat, now_naive(chrono_tz::UTC))
        .await
        .expect("beat");
    let app = TestApp::start(store.clone(), configure).await;
    let base = app.base.clone();
    assert!(base.ends_with("/xxl-job-admin"), "{base}");
    for token in [None, Some("wrong"), Some("scrape-me2")] {
        let response = scrape(&base, token).await;
        assert_eq!(response.status(), 401, "token {token:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
    }
    for open in ["healthz", "readyz"] {
        let response = reqwest::get(format!("{base}/{open}")).await.expect(open);
        assert_eq!(response.status(), 200, "/{open} needs no token");
    }

    // While the executor holds the first calls, the pool shows busy workers.
    executor.wait_for(JOBS, Duration::from_secs(15)).await;
    let busy = scrape_ok(&base).await;
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
    let m = scrape_ok(&base).await;
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

    assert_eq!(
        m.value("jobwheel_registry_executors", &[]),
        Some(1.0),
        "{text}"
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
}
