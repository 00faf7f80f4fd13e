//! The state every handler and background loop shares: one [`AppState`], cloned cheaply.

use std::sync::Arc;

use chrono_tz::Tz;

use crate::config::Config;
use crate::dispatch::Dispatcher;
use crate::dispatch::in_flight::InFlight;
use crate::error::{Error, Result};
use crate::service::completer::Completer;
use crate::store::Store;

/// What handlers and loops need; cloning shares it.
#[derive(Clone)]
pub struct AppState {
    /// The configuration the admin started with.
    pub config: Arc<Config>,
    /// The database.
    pub store: Arc<dyn Store>,
    /// The default time zone (of jobs without one, and of DATETIME columns).
    pub tz: Tz,
    /// The dispatcher of the running scheduler, for triggers outside the schedule (REST
    /// API, console). `None` until the scheduler is started (it needs the state first).
    pub dispatcher: Option<Dispatcher>,
    /// Writes the results of concurrent callback requests together.
    pub completer: Completer,
    /// Fires on their way to an executor; the completer and the recorder write behind them.
    pub in_flight: Arc<InFlight>,
}

impl AppState {
    /// State over a store.
    pub fn new(config: Config, store: Arc<dyn Store>) -> Self {
        // Metrics handles taken before the recorder exists record nothing: install it first.
        crate::observe::exporter::install();
        let tz = config.tz();
        Self {
            config: Arc::new(config),
            store,
            tz,
            dispatcher: None,
            completer: Completer::default(),
            in_flight: Arc::default(),
        }
    }

    /// The same state, able to trigger jobs through `dispatcher`.
    pub fn with_dispatcher(mut self, dispatcher: Dispatcher) -> Self {
        self.dispatcher = Some(dispatcher);
        self
    }

    /// The dispatcher, or an error when this admin runs without a scheduler.
    pub fn dispatcher(&self) -> Result<&Dispatcher> {
        self.dispatcher
            .as_ref()
            .ok_or_else(|| Error::Internal("the scheduler is not running on this admin".into()))
    }
}
