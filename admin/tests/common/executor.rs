//! A recording executor: a real HTTP server on 127.0.0.1:0 that speaks the legacy (`/run`)
//! executor protocol and remembers every TriggerParam it receives, with the instant it
//! arrived, so scheduling stories can check what fired, where, and how late.
#![allow(dead_code)] // each test binary uses a different part

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use jobwheel_admin::time::now_ms;
use jobwheel_executor::protocol::{TriggerParam, messages};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One trigger as the executor saw it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The body.
    pub param: TriggerParam,
    /// Arrival, epoch ms.
    pub at: i64,
}

struct Shared {
    received: Mutex<Vec<Received>>,
    count: watch::Sender<usize>,
    delay: Mutex<Duration>,
    busy: Mutex<bool>,
}

/// A running recording executor; stops when dropped.
pub struct RecordingExecutor {
    /// Base URL, as executors register it (trailing slash).
    pub address: String,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl RecordingExecutor {
    /// An executor that accepts every trigger at once.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared {
            received: Mutex::default(),
            count: watch::Sender::new(0),
            delay: Mutex::default(),
            busy: Mutex::new(false),
        });
        let app = Router::new()
            .route("/run", post(run))
            .route("/beat", post(|| async { Json(json!({"code": 200})) }))
            .route("/idleBeat", post(idle_beat))
            .with_state(shared.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}/", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            address,
            shared,
            server,
        }
    }

    /// Makes every later `/run` answer only after `delay`.
    pub fn set_delay(&self, delay: Duration) {
        *self.shared.delay.lock().unwrap() = delay;
    }

    /// Makes `/idleBeat` report busy (BUSYOVER skips this executor).
    pub fn set_busy(&self, busy: bool) {
        *self.shared.busy.lock().unwrap() = busy;
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` triggers arrived; returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let mut count = self.shared.count.subscribe();
        let reached = tokio::time::timeout(within, count.wait_for(|c| *c >= n)).await;
        let received = self.received();
        assert!(
            reached.is_ok(),
            "executor {} got {} triggers within {within:?}, expected {n}",
            self.address,
            received.len()
        );
        received
    }
}

impl Drop for RecordingExecutor {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn run(State(shared): State<Arc<Shared>>, Json(param): Json<TriggerParam>) -> Json<Value> {
    let received = Received {
        param,
        at: now_ms(),
    };
    shared.received.lock().unwrap().push(received);
    shared.count.send_modify(|c| *c += 1);
    let delay = *shared.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    Json(json!({"code": 200}))
}

async fn idle_beat(State(shared): State<Arc<Shared>>) -> Json<Value> {
    if *shared.busy.lock().unwrap() {
        Json(json!({"code": 500, "msg": messages::JOB_BUSY}))
    } else {
        Json(json!({"code": 200}))
    }
}

// ---- jobs and groups pointing at recording executors -----------------------------------

use jobwheel_admin::app::AppState;
use jobwheel_admin::config::Config;
use jobwheel_admin::store::{
    AddressType, FireState, GroupFields, JobInfo, JobLog, LogFilter, NewLog, Page, Store,
};

/// Admin state over `store`, with the default config adjusted by `tweak`.
pub fn state_over(store: Arc<dyn Store>, tweak: impl FnOnce(&mut Config)) -> AppState {
    let mut config = Config {
        time_zone: "UTC".into(),
        ..Config::default()
    };
    tweak(&mut config);
    AppState::new(config, store)
}

/// A manual executor group listing `addresses`; returns its id.
pub async fn manual_group(store: &dyn Store, app_name: &str, addresses: &[&str]) -> i32 {
    let fields = GroupFields {
        app_name: app_name.into(),
        title: app_name.into(),
        address_type: AddressType::Manual,
        address_list: (!addresses.is_empty()).then(|| addresses.join(",")),
        ..GroupFields::default()
    };
    store
        .insert_group(&fields, chrono::Utc::now().naive_utc())
        .await
        .expect("insert group")
}

/// A stopped BEAN job of `group` routed by `route`, not scheduled (`NONE`).
pub fn job(group: i32, route: &str) -> JobInfo {
    JobInfo {
        job_group: group,
        job_desc: format!("{route} job"),
        schedule_type: "NONE".into(),
        misfire_strategy: "DO_NOTHING".into(),
        executor_route_strategy: Some(route.into()),
        executor_handler: Some("demoJobHandler".into()),
        executor_param: Some("p".into()),
        executor_block_strategy: Some("SERIAL_EXECUTION".into()),
        glue_type: "BEAN".into(),
        ..JobInfo::default()
    }
}

/// A running job of `group` on a schedule, first firing at `first_fire` (epoch ms).
pub async fn scheduled_job(
    store: &dyn Store,
    group: i32,
    schedule_type: &str,
    conf: &str,
    misfire: &str,
    first_fire: i64,
) -> i32 {
    let job = JobInfo {
        schedule_type: schedule_type.into(),
        schedule_conf: Some(conf.into()),
        misfire_strategy: misfire.into(),
        ..job(group, "FIRST")
    };
    let id = store.insert_job(&job).await.expect("insert job");
    assert!(
        store
            .set_job_schedule(id, 1, 0, first_fire)
            .await
            .expect("start job")
    );
    id
}

/// Every log row of `job_id`, oldest first.
pub async fn logs_of(store: &dyn Store, job_id: i32) -> Vec<JobLog> {
    let filter = LogFilter {
        job_id: Some(job_id),
        ..LogFilter::default()
    };
    let page = Page {
        offset: 0,
        limit: 100_000,
    };
    let (mut logs, _) = store.list_logs(&filter, page).await.expect("list logs");
    logs.sort_by_key(|l| l.id);
    logs
}

/// Polls (bounded) until `done` holds for the log rows of `job_id`; returns them.
pub async fn wait_logs(
    store: &dyn Store,
    job_id: i32,
    within: Duration,
    done: impl Fn(&[JobLog]) -> bool,
) -> Vec<JobLog> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let logs = logs_of(store, job_id).await;
        if done(&logs) {
            return logs;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "log rows of job {job_id} never reached the expected state: {logs:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// True when every row has its trigger result.
pub fn all_triggered(logs: &[JobLog]) -> bool {
    !logs.is_empty() && logs.iter().all(|l| l.trigger_code != 0)
}

/// Writes a CRON fire of `job_id` at `fire_at` in `state`, as a scan (or a dead admin) leaves
/// it; returns the row.
pub async fn leave_intent(
    store: &dyn Store,
    group: i32,
    job_id: i32,
    fire_at: i64,
    state: FireState,
) -> JobLog {
    let log = NewLog {
        job_group: group,
        job_id,
        trigger_time: jobwheel_admin::time::to_naive(fire_at, chrono_tz::UTC),
        fire_at,
        fire_state: state,
        trigger_type: "CRON".into(),
        ..NewLog::default()
    };
    let id = store.insert_log(&log).await.expect("insert intent");
    store
        .get_log(id)
        .await
        .expect("read intent")
        .expect("intent")
}
