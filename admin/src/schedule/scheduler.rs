//! The scheduler of one admin: scan loop → time wheel → dispatch pools, plus the orphan
//! sweeper, started together and stopped in data-path order.
//!
//! Shutdown (DESIGN.md decision 10): the scan loop stops first (its last transaction ends,
//! so the cluster lock is free for the other admins), then the sweeper, then the wheel
//! (whatever still waits there stays `Pending` in the database for the next admin), and
//! last the pools finish the fires they hold, within [`DRAIN_BOUND`].

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinHandle};
use tokio_util::sync::CancellationToken;

use super::orphans::OrphanSweeper;
use super::scan::{ScanLoop, ScanStats};
use super::wheel::TimeWheel;
use crate::app::AppState;
use crate::dispatch::dispatcher::Dispatcher;
use crate::dispatch::gate::CLAIM_AHEAD;
use crate::error::Result;

/// How long the pools may take to finish their fires at shutdown (each executor call is
/// bounded by the executor timeout, 3 s by default).
pub const DRAIN_BOUND: Duration = Duration::from_secs(10);

/// A running scheduler. Dropping it does not stop it; cancel the token given to [`spawn`]
/// and await [`Scheduler::stopped`].
pub struct Scheduler {
    dispatcher: Dispatcher,
    stats: watch::Receiver<ScanStats>,
    stages: Vec<AbortHandle>,
    supervisor: JoinHandle<()>,
}

/// Starts the scheduler of `state`'s admin with the configured pools and executor client.
pub fn spawn(state: &AppState, shutdown: CancellationToken) -> Result<Scheduler> {
    Ok(spawn_with(
        state,
        Dispatcher::start(state)?,
        shutdown,
        |_| {},
    ))
}

/// Starts a scheduler around a given dispatcher; `tune` may adjust the sweeper (tests use
/// short periods).
pub fn spawn_with(
    state: &AppState,
    dispatcher: Dispatcher,
    shutdown: CancellationToken,
    tune: impl FnOnce(&mut OrphanSweeper),
) -> Scheduler {
    let sink = dispatcher.clone();
    let (wheel, wheel_handle) =
        TimeWheel::new(Box::new(move |fire| sink.submit(fire)), CLAIM_AHEAD);
    let scan = ScanLoop::new(state, wheel_handle);
    let stats = scan.stats();
    let mut sweeper = OrphanSweeper::new(state, dispatcher.clone());
    tune(&mut sweeper);

    let wheel_stop = CancellationToken::new();
    let scan = tokio::spawn(scan.run(shutdown.clone()));
    let sweeper = tokio::spawn(sweeper.run(shutdown.clone()));
    let wheel = tokio::spawn(wheel.run(wheel_stop.clone()));
    let stages = vec![
        scan.abort_handle(),
        sweeper.abort_handle(),
        wheel.abort_handle(),
    ];
    let supervisor = {
        let dispatcher = dispatcher.clone();
        tokio::spawn(async move {
            shutdown.cancelled().await;
            let _ = scan.await;
            let _ = sweeper.await;
            wheel_stop.cancel();
            let _ = wheel.await;
            if !dispatcher.drain(DRAIN_BOUND).await {
                tracing::warn!("dispatch pools did not drain within {DRAIN_BOUND:?}");
            }
            tracing::info!("scheduler stopped");
        })
    };
    Scheduler {
        dispatcher,
        stats,
        stages,
        supervisor,
    }
}

impl Scheduler {
    /// The dispatcher, for triggers that do not come from the schedule (console, REST API,
    /// retry, child jobs).
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// Follows the scan loop's counters.
    pub fn scan_stats(&self) -> watch::Receiver<ScanStats> {
        self.stats.clone()
    }

    /// Waits until the shutdown sequence started by the token has finished.
    pub async fn stopped(self) {
        let _ = self.supervisor.await;
    }

    /// Stops everything at once, mid-flight, as if the process had died: no draining, fires
    /// on the wheel stay `Pending` and claimed fires stay `Claimed`. For crash tests and
    /// emergencies; a normal stop cancels the token instead.
    pub async fn abort(self) {
        self.supervisor.abort();
        for stage in &self.stages {
            stage.abort();
        }
        self.dispatcher.abort().await;
    }
}
