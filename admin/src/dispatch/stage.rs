//! A stage of the dispatch path: one task fed by an unbounded queue, the shape shared by
//! the [`intake`](super::intake) and the [`recorder`](super::recorder).
//!
//! Why unbounded: the callers (the wheel, pool workers) must never wait on a stage, and
//! what reaches one is bounded upstream (a scan's limit, the pools' sizes).

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A running stage; [`Stage::close`] lets it finish its queue, [`Stage::abort`] does not.
pub struct Stage<T> {
    name: &'static str,
    sender: Mutex<Option<mpsc::UnboundedSender<T>>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl<T: Send + 'static> Stage<T> {
    /// Spawns `run` over the stage's queue; it should return once the queue is closed and
    /// drained.
    pub fn spawn<F, Fut>(name: &'static str, run: F) -> Self
    where
        F: FnOnce(mpsc::UnboundedReceiver<T>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (sender, receiver) = mpsc::unbounded_channel();
        Self {
            name,
            sender: Mutex::new(Some(sender)),
            task: Mutex::new(Some(tokio::spawn(run(receiver)))),
        }
    }

    /// Queues `item`; gives it back once the stage is closed.
    pub fn send(&self, item: T) -> Result<(), T> {
        let sender = self.sender.lock().unwrap_or_else(PoisonError::into_inner);
        match sender.as_ref() {
            Some(sender) => sender.send(item).map_err(|e| e.0),
            None => Err(item),
        }
    }

    /// Stops taking items and waits, at most `within`, for the task to finish the queue.
    /// False when the bound was hit (the task is then aborted).
    pub async fn close(&self, within: Duration) -> bool {
        self.close_queue();
        let Some(mut task) = self.take_task() else {
            return true;
        };
        match tokio::time::timeout(within, &mut task).await {
            Ok(_) => true,
            Err(_) => {
                tracing::warn!(
                    stage = self.name,
                    "did not finish its queue within {within:?}; aborted"
                );
                task.abort();
                false
            }
        }
    }

    /// Stops at once, dropping what is queued (a crash, for tests).
    pub fn abort(&self) {
        self.close_queue();
        if let Some(task) = self.take_task() {
            task.abort();
        }
    }

    fn close_queue(&self) {
        self.sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    fn take_task(&self) -> Option<JoinHandle<()>> {
        self.task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}
