//! The state every handler and background loop shares: one [`AppState`], cloned cheaply.

use std::sync::Arc;

use chrono_tz::Tz;

use crate::config::Config;
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
}

impl AppState {
    /// State over a store.
    pub fn new(config: Config, store: Arc<dyn Store>) -> Self {
        let tz = config.tz();
        Self {
            config: Arc::new(config),
            store,
            tz,
        }
    }
}
