//! Registration: the heartbeat that makes this executor routable (PROTOCOL.md §2.5).
//!
//! An admin routes only to executors whose last `api/registry` is younger than 90 s, so the
//! loop beats every 30 s (configurable) from the moment the server is listening, and says
//! `api/registryRemove` when the executor shuts down so admins stop routing to it at once
//! instead of after 90 s of failed triggers.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::admin::AdminClient;
use crate::protocol::{RegistryParam, admin_paths};

/// Beats until shutdown, then deregisters.
pub(crate) struct RegistryLoop {
    pub admin: AdminClient,
    pub registration: RegistryParam,
    pub interval: Duration,
}

impl RegistryLoop {
    /// Runs until `shutdown` is cancelled; returns after `registryRemove` was attempted.
    pub(crate) async fn run(self, shutdown: CancellationToken) {
        if !self.admin.has_admins() {
            tracing::warn!("no admin address configured: this executor registers nowhere");
            return;
        }
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = ticker.tick() => self.call(admin_paths::REGISTRY).await,
            }
        }
        self.call(admin_paths::REGISTRY_REMOVE).await;
    }

    async fn call(&self, path: &str) {
        for result in self.admin.registry(path, &self.registration).await {
            if let Err(e) = result {
                tracing::warn!("{path} failed: {e}");
            }
        }
    }
}
