//! The job runner: one worker per job id, each with a FIFO queue (PROTOCOL.md §5.1, §5.2).
//!
//! A trigger is accepted or refused at once (`/run` answers before the job runs); accepted
//! runs execute in order on the job's worker, and each finished run becomes a
//! [`CallbackItem`] for the callback loop. A worker lives in the runner's map while it may
//! receive triggers; it leaves the map when it is stopped (kill, COVER_EARLY, a handler change,
//! shutdown) or when it idled for `idle_timeout` with nothing queued.
//!
//! Stopping is real: the running handler's future is dropped (a script's process group is
//! killed with it), the run reports `"<reason> [job running, killed]"`, and every queued run
//! reports `"<reason> [job not executed, in the job queue, killed.]"`.
//!
//! Lock order, everywhere: the worker map, then a worker's state. Neither is held across an
//! `.await`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::context::JobContext;
use crate::glue::Script;
use crate::handler::BoxedHandler;
use crate::joblog::{JobLogStore, RunLog};
use crate::protocol::{
    BlockStrategy, CODE_FAIL, CODE_SUCCESS, CODE_TIMEOUT, CallbackItem, GlueType, TriggerParam,
    messages,
};

/// Longest handle message reported, in characters, as XXL-JOB truncates it.
const MAX_HANDLE_MSG_CHARS: usize = 50_000;
/// Reason given to a job's old worker when the trigger names another handler or script.
const CHANGE_HANDLER_REASON: &str =
    "change jobhandler or glue type, and terminate the old job thread.";
/// Reason given to runs still going when the executor's shutdown grace ran out.
const SHUTDOWN_REASON: &str = "web container destroy and kill the job.";

/// What the runner needs besides its handlers.
pub(crate) struct RunnerConfig {
    pub handlers: HashMap<String, BoxedHandler>,
    /// Where scripts are written; `None` when GLUE is disabled.
    pub glue_dir: Option<std::path::PathBuf>,
    pub logs: JobLogStore,
    pub callbacks: mpsc::UnboundedSender<CallbackItem>,
    pub idle_timeout: Duration,
}

/// Accepts triggers, kills and idle probes; cheap to clone.
#[derive(Clone)]
pub(crate) struct Runner {
    inner: Arc<Inner>,
}

struct Inner {
    config: RunnerConfig,
    workers: Mutex<HashMap<i32, Worker>>,
    tasks: TaskTracker,
    /// Set at shutdown: workers finish what is queued, then exit instead of idling.
    draining: CancellationToken,
}

/// What a job's worker runs; two triggers share a worker only if they name the same job.
#[derive(Clone)]
enum Job {
    Bean { name: String, handler: BoxedHandler },
    Script(Script),
}

impl Job {
    fn same_as(&self, other: &Job) -> bool {
        match (self, other) {
            (Job::Bean { name: a, .. }, Job::Bean { name: b, .. }) => a == b,
            (Job::Script(a), Job::Script(b)) => {
                a.glue_type == b.glue_type && a.updated == b.updated
            }
            _ => false,
        }
    }

    fn name(&self) -> String {
        match self {
            Job::Bean { name, .. } => name.clone(),
            Job::Script(script) => script.glue_type.as_str().to_string(),
        }
    }

    fn start(&self, ctx: JobContext) -> BoxFuture<'static, Result<String, String>> {
        match self {
            Job::Bean { handler, .. } => handler.call(ctx),
            Job::Script(script) => Box::pin(script.clone().run(ctx)),
        }
    }
}

#[derive(Clone)]
struct Worker {
    shared: Arc<WorkerShared>,
}

struct WorkerShared {
    job_id: i32,
    job: Job,
    state: Mutex<WorkerState>,
    wake: Notify,
    stop: CancellationToken,
    stop_reason: Mutex<Option<String>>,
}

#[derive(Default)]
struct WorkerState {
    queue: VecDeque<TriggerParam>,
    queued_ids: HashSet<i64>,
    running: Option<i64>,
}

impl WorkerState {
    fn busy(&self) -> bool {
        self.running.is_some() || !self.queue.is_empty()
    }
}

/// How one run ended.
enum Outcome {
    Finished(Result<String, String>),
    Panicked(String),
    TimedOut,
    Stopped,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave them inconsistent (every critical
    // section is a few collection operations), so a poisoned lock is still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Worker {
    fn state(&self) -> MutexGuard<'_, WorkerState> {
        lock(&self.shared.state)
    }

    fn busy(&self) -> bool {
        self.state().busy()
    }

    /// Tells the worker to stop; the first reason given is the one reported.
    fn stop(&self, reason: &str) {
        lock(&self.shared.stop_reason).get_or_insert_with(|| reason.to_string());
        self.shared.stop.cancel();
    }

    fn stop_reason(&self) -> String {
        lock(&self.shared.stop_reason)
            .clone()
            .unwrap_or_else(|| SHUTDOWN_REASON.to_string())
    }

    fn enqueue(&self, param: TriggerParam) -> Result<(), String> {
        let mut state = self.state();
        if state.queued_ids.contains(&param.log_id) || state.running == Some(param.log_id) {
            return Err(messages::repeated_trigger(param.log_id));
        }
        state.queued_ids.insert(param.log_id);
        state.queue.push_back(param);
        drop(state);
        self.shared.wake.notify_one();
        Ok(())
    }

    fn next(&self) -> Option<TriggerParam> {
        let mut state = self.state();
        let param = state.queue.pop_front()?;
        state.queued_ids.remove(&param.log_id);
        state.running = Some(param.log_id);
        Some(param)
    }
}

impl Runner {
    pub(crate) fn new(config: RunnerConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                workers: Mutex::new(HashMap::new()),
                tasks: TaskTracker::new(),
                draining: CancellationToken::new(),
            }),
        }
    }

    /// `/run` and `/trigger`: queue a run, or say why not (the reply's `msg`).
    pub(crate) fn trigger(&self, param: TriggerParam) -> Result<(), String> {
        let job = self.resolve(&param)?;
        let strategy = BlockStrategy::from_wire(param.executor_block_strategy.as_deref());
        let mut workers = lock(&self.inner.workers);
        let mut existing = workers.get(&param.job_id).cloned();
        if let Some(worker) = &existing {
            let replace = if !worker.shared.job.same_as(&job) {
                Some(CHANGE_HANDLER_REASON)
            } else if worker.busy() {
                match strategy {
                    BlockStrategy::DiscardLater => return Err(messages::DISCARD_LATER.to_string()),
                    BlockStrategy::CoverEarly => Some(messages::COVER_EARLY),
                    BlockStrategy::SerialExecution => None,
                }
            } else {
                None
            };
            if let Some(reason) = replace {
                worker.stop(reason);
                workers.remove(&param.job_id);
                existing = None;
            }
        }
        let worker = match existing {
            Some(worker) => worker,
            None => {
                let worker = self.spawn_worker(param.job_id, job);
                workers.insert(param.job_id, worker.clone());
                worker
            }
        };
        worker.enqueue(param)
    }

    /// `/idleBeat`: true when the job is running or has runs queued.
    pub(crate) fn is_busy(&self, job_id: i32) -> bool {
        lock(&self.inner.workers)
            .get(&job_id)
            .is_some_and(Worker::busy)
    }

    /// `/kill`: stops the job's running and queued runs. False when there was nothing to kill.
    pub(crate) fn kill(&self, job_id: i32) -> bool {
        let worker = lock(&self.inner.workers).remove(&job_id);
        match worker {
            Some(worker) => {
                worker.stop(messages::KILL_REASON);
                true
            }
            None => false,
        }
    }

    /// Lets running and queued runs finish for up to `grace`, then stops the rest (reported
    /// as failed), and returns once every worker has pushed its last callback.
    pub(crate) async fn shutdown(&self, grace: Duration) {
        self.inner.draining.cancel();
        self.inner.tasks.close();
        if tokio::time::timeout(grace, self.inner.tasks.wait())
            .await
            .is_err()
        {
            let workers: Vec<Worker> = lock(&self.inner.workers).drain().map(|(_, w)| w).collect();
            tracing::warn!(
                jobs = workers.len(),
                "shutdown grace of {grace:?} ran out: stopping the jobs still running"
            );
            for worker in workers {
                worker.stop(SHUTDOWN_REASON);
            }
            self.inner.tasks.wait().await;
        }
    }

    /// Finds what a trigger asks to run (PROTOCOL.md §1.4 step 3).
    fn resolve(&self, param: &TriggerParam) -> Result<Job, String> {
        let glue_name = param
            .glue_type
            .as_deref()
            .filter(|g| !g.is_empty())
            .unwrap_or(GlueType::Bean.as_str());
        match GlueType::parse(glue_name) {
            Some(GlueType::Bean) => {
                let name = param.executor_handler.clone().unwrap_or_default();
                match self.inner.config.handlers.get(&name) {
                    Some(handler) => Ok(Job::Bean {
                        name,
                        handler: Arc::clone(handler),
                    }),
                    None => Err(messages::handler_not_found(&name)),
                }
            }
            Some(GlueType::Groovy) => Err(format!(
                "{} GLUE(Java) needs a Java executor; this is a Rust executor.",
                messages::glue_type_not_valid(glue_name)
            )),
            Some(glue_type) => match &self.inner.config.glue_dir {
                Some(dir) => Ok(Job::Script(Script {
                    glue_type,
                    source: param.glue_source.clone().unwrap_or_default(),
                    updated: param.glue_updatetime,
                    dir: dir.clone(),
                })),
                None => Err(format!(
                    "fail, current glue type [{}] not supported.",
                    glue_type.title()
                )),
            },
            None => Err(messages::glue_type_not_valid(glue_name)),
        }
    }

    fn spawn_worker(&self, job_id: i32, job: Job) -> Worker {
        let worker = Worker {
            shared: Arc::new(WorkerShared {
                job_id,
                job,
                state: Mutex::new(WorkerState::default()),
                wake: Notify::new(),
                stop: CancellationToken::new(),
                stop_reason: Mutex::new(None),
            }),
        };
        let runner = self.clone();
        let this = worker.clone();
        self.inner
            .tasks
            .spawn(async move { runner.work(this).await });
        worker
    }

    /// A worker's life: run queued triggers in order, idle, and leave.
    async fn work(&self, worker: Worker) {
        let shared = &worker.shared;
        while !shared.stop.is_cancelled() {
            if let Some(param) = worker.next() {
                let result = self.execute(&worker, &param).await;
                worker.state().running = None;
                self.report(result);
                continue;
            }
            if self.inner.draining.is_cancelled() && self.retire(&worker) {
                break;
            }
            tokio::select! {
                _ = shared.wake.notified() => {}
                _ = shared.stop.cancelled() => {}
                _ = self.inner.draining.cancelled() => {}
                _ = tokio::time::sleep(self.inner.config.idle_timeout) => {
                    if self.retire(&worker) {
                        tracing::debug!(job_id = shared.job_id, "idle job worker stopped");
                        break;
                    }
                }
            }
        }
        let reason = worker.stop_reason();
        let dropped: Vec<TriggerParam> = worker.state().queue.drain(..).collect();
        for param in dropped {
            let msg = format!("{reason}{}", messages::KILLED_QUEUED_SUFFIX);
            let log = self
                .inner
                .config
                .logs
                .open(param.log_date_time, param.log_id);
            log.line("jobwheel", format!("<br>----------- {msg}"));
            self.report(callback(&param, CODE_FAIL, Some(msg)));
        }
    }

    /// Removes an idle worker from the map. False if it has work (a trigger slipped in).
    fn retire(&self, worker: &Worker) -> bool {
        let mut workers = lock(&self.inner.workers);
        if worker.busy() {
            return false;
        }
        if workers
            .get(&worker.shared.job_id)
            .is_some_and(|w| Arc::ptr_eq(&w.shared, &worker.shared))
        {
            workers.remove(&worker.shared.job_id);
        }
        true
    }

    /// Runs one trigger to its end, whatever ends it, and says how it went.
    async fn execute(&self, worker: &Worker, param: &TriggerParam) -> CallbackItem {
        let shared = &worker.shared;
        let log = self
            .inner
            .config
            .logs
            .open(param.log_date_time, param.log_id);
        let run_param = param.executor_params.clone().unwrap_or_default();
        log.line(
            "jobwheel",
            format!(
                "<br>----------- xxl-job job execute start -----------<br>----------- Param:{run_param}"
            ),
        );
        let cancel = shared.stop.child_token();
        let ctx = JobContext {
            job_id: param.job_id,
            log_id: param.log_id,
            log_date_time: param.log_date_time,
            handler: shared.job.name(),
            param: run_param,
            shard_index: param.broadcast_index,
            shard_total: param.broadcast_total.max(1),
            log: log.clone(),
            cancel: cancel.clone(),
        };
        let run = crate::tracing_layer::scope(log.clone(), shared.job.start(ctx));
        let run = AssertUnwindSafe(run).catch_unwind();
        let timeout = u64::try_from(param.executor_timeout)
            .ok()
            .filter(|&secs| secs > 0)
            .map(Duration::from_secs);
        let outcome = tokio::select! {
            result = run_with_timeout(run, timeout) => result,
            _ = shared.stop.cancelled() => Outcome::Stopped,
        };
        // Dropping the run's future above already cancelled it; this tells anything the
        // handler spawned on its own.
        cancel.cancel();
        let (code, msg) = self.judge(outcome, worker, &log);
        let msg = msg.filter(|m| !m.is_empty()).map(truncate);
        log.line(
            "jobwheel",
            format!(
                "<br>----------- xxl-job job execute end(finish) -----------<br>----------- Result: handleCode={code}, handleMsg = {}",
                msg.as_deref().unwrap_or("null")
            ),
        );
        callback(param, code, msg)
    }

    fn judge(&self, outcome: Outcome, worker: &Worker, log: &RunLog) -> (i32, Option<String>) {
        match outcome {
            Outcome::Finished(Ok(msg)) => (CODE_SUCCESS, Some(msg)),
            Outcome::Finished(Err(msg)) => (CODE_FAIL, Some(msg)),
            Outcome::Panicked(msg) => {
                log.line(
                    "jobwheel",
                    format!("<br>----------- JobThread Exception: {msg}"),
                );
                (CODE_FAIL, Some(msg))
            }
            Outcome::TimedOut => {
                log.line("jobwheel", "<br>----------- xxl-job job execute timeout");
                (CODE_TIMEOUT, Some(messages::TIMEOUT.to_string()))
            }
            Outcome::Stopped => {
                let reason = worker.stop_reason();
                log.line(
                    "jobwheel",
                    format!("<br>----------- JobThread toStop, stopReason:{reason}"),
                );
                (
                    CODE_FAIL,
                    Some(format!("{reason}{}", messages::KILLED_RUNNING_SUFFIX)),
                )
            }
        }
    }

    fn report(&self, item: CallbackItem) {
        if self.inner.config.callbacks.send(item).is_err() {
            tracing::error!("callback loop is gone: a run result was not reported");
        }
    }
}

async fn run_with_timeout<F>(run: F, timeout: Option<Duration>) -> Outcome
where
    F: std::future::Future<Output = std::thread::Result<Result<String, String>>>,
{
    let finished = |result: std::thread::Result<Result<String, String>>| match result {
        Ok(result) => Outcome::Finished(result),
        Err(panic) => Outcome::Panicked(panic_message(panic.as_ref())),
    };
    match timeout {
        Some(limit) => match tokio::time::timeout(limit, run).await {
            Ok(result) => finished(result),
            Err(_) => Outcome::TimedOut,
        },
        None => finished(run.await),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("job handler panicked: {text}")
}

fn truncate(msg: String) -> String {
    match msg.char_indices().nth(MAX_HANDLE_MSG_CHARS) {
        Some((cut, _)) => format!("{}...", &msg[..cut]),
        None => msg,
    }
}

fn callback(param: &TriggerParam, handle_code: i32, handle_msg: Option<String>) -> CallbackItem {
    CallbackItem {
        log_id: param.log_id,
        log_date_time: param.log_date_time,
        handle_code,
        handle_msg,
    }
}
