//! Run results to the admin: batched, and never lost (PROTOCOL.md §2.4, §2.6).
//!
//! Each finished run pushes a [`CallbackItem`] on a channel. The loop takes whatever has
//! piled up as one batch and posts it to the first admin that accepts it. A batch no admin
//! accepted is written to the spool directory, and the spool is retried at start (so results
//! from before a restart are delivered), every `retry_interval`, and right after any delivery
//! succeeds (the admin is evidently back). A spooled batch is deleted only once delivered,
//! so a crash between sending and deleting can only repeat a result, which admins ignore
//! ("log repeate callback": the first result of a run wins).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::admin::AdminClient;
use crate::error::{Error, Result};
use crate::joblog::JobLogStore;
use crate::protocol::CallbackItem;

/// Delivers run results; see the module docs.
pub(crate) struct CallbackLoop {
    pub results: mpsc::UnboundedReceiver<CallbackItem>,
    pub admin: AdminClient,
    pub spool: Spool,
    pub logs: JobLogStore,
    pub retry_interval: Duration,
}

impl CallbackLoop {
    /// Runs until `shutdown`, then delivers (or spools) what is still queued.
    pub(crate) async fn run(mut self, shutdown: CancellationToken) {
        let mut retry = tokio::time::interval(self.retry_interval);
        retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                first = self.results.recv() => match first {
                    Some(first) => {
                        let batch = self.batch(first);
                        if self.deliver(batch).await {
                            self.retry_spool().await;
                        }
                    }
                    None => break,
                },
                _ = retry.tick() => self.retry_spool().await,
                _ = shutdown.cancelled() => break,
            }
        }
        let mut rest = Vec::new();
        while let Ok(item) = self.results.try_recv() {
            rest.push(item);
        }
        if !rest.is_empty() {
            self.deliver(rest).await;
        }
    }

    /// `first` plus everything else already waiting.
    fn batch(&mut self, first: CallbackItem) -> Vec<CallbackItem> {
        let mut batch = vec![first];
        while let Ok(item) = self.results.try_recv() {
            batch.push(item);
        }
        batch
    }

    /// Posts a batch, notes the outcome in each run's log, spools it on failure.
    /// True when an admin accepted it.
    async fn deliver(&self, batch: Vec<CallbackItem>) -> bool {
        let result = self.send(&batch).await;
        let note = match &result {
            Ok(()) => "<br>----------- xxl-job job callback finish.".to_string(),
            Err(e) => format!("<br>----------- xxl-job job callback fail, callbackResult:{e}"),
        };
        for item in &batch {
            self.logs
                .open(item.log_date_time, item.log_id)
                .line("jobwheel", &note);
        }
        match result {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(
                    results = batch.len(),
                    "callback failed, kept on disk for retry: {e}"
                );
                if let Err(e) = self.spool.save(&batch).await {
                    tracing::error!(
                        results = batch.len(),
                        "cannot spool callback results, they are lost: {e}"
                    );
                }
                false
            }
        }
    }

    async fn send(&self, batch: &[CallbackItem]) -> Result<()> {
        if !self.admin.has_admins() {
            return Err(Error::NoAdmin);
        }
        self.admin.callback(batch).await
    }

    /// Re-sends spooled batches, oldest first; stops at the first failure (the admins are
    /// still down, no use hammering them).
    async fn retry_spool(&self) {
        for file in self.spool.files().await {
            let batch = match self.spool.load(&file).await {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::error!(file = %file.display(), "unreadable spooled callback, set aside: {e}");
                    self.spool.set_aside(&file).await;
                    continue;
                }
            };
            match self.send(&batch).await {
                Ok(()) => {
                    tracing::info!(results = batch.len(), "spooled callback results delivered");
                    self.spool.remove(&file).await;
                }
                Err(e) => {
                    tracing::debug!("spooled callbacks still undeliverable: {e}");
                    return;
                }
            }
        }
    }
}

/// The directory of undelivered callback batches: one JSON array of results per file.
#[derive(Debug, Clone)]
pub(crate) struct Spool {
    dir: PathBuf,
}

/// Distinguishes batches spooled within the same millisecond.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl Spool {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Writes a batch atomically (written beside, then renamed), so a crash never leaves
    /// half a file for the retry to choke on.
    async fn save(&self, batch: &[CallbackItem]) -> Result<()> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(Error::io(&self.dir))?;
        let name = format!(
            "callback-{}-{}-{}",
            chrono::Utc::now().timestamp_millis(),
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed)
        );
        let partial = self.dir.join(format!("{name}.partial"));
        let file = self.dir.join(format!("{name}.json"));
        let json = serde_json::to_vec(batch)?;
        tokio::fs::write(&partial, json)
            .await
            .map_err(Error::io(&partial))?;
        tokio::fs::rename(&partial, &file)
            .await
            .map_err(Error::io(&file))
    }

    /// Spooled batches, oldest first (names start with the spool time).
    async fn files(&self) -> Vec<PathBuf> {
        let Ok(mut entries) = tokio::fs::read_dir(&self.dir).await else {
            return Vec::new();
        };
        let mut files = Vec::new();
        while let Ok(Some(entry)) = entries.next_entry().await {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
        files.sort();
        files
    }

    async fn load(&self, file: &Path) -> Result<Vec<CallbackItem>> {
        let bytes = tokio::fs::read(file).await.map_err(Error::io(file))?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    async fn remove(&self, file: &Path) {
        if let Err(e) = tokio::fs::remove_file(file).await {
            tracing::warn!(file = %file.display(), "cannot delete a delivered callback batch: {e}");
        }
    }

    async fn set_aside(&self, file: &Path) {
        let _ = tokio::fs::rename(file, file.with_extension("corrupt")).await;
    }
}
