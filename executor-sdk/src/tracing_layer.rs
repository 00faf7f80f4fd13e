//! A `tracing` layer that copies a handler's `tracing` events into its run log.
//!
//! Apps already log with `tracing`; with [`JobLogLayer`] installed, `tracing::info!(..)` inside
//! a handler also lands in the run's log file, so the operator sees it in the admin without the
//! handler calling [`JobContext::log`](crate::JobContext::log). The run is found through a
//! tokio task-local set around each run, so only events emitted from the handler's own task
//! are copied (work spawned onto other tasks keeps logging to the app's usual sinks only).

use std::fmt::Write as _;
use std::future::Future;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::joblog::RunLog;

tokio::task_local! {
    static CURRENT_RUN: RunLog;
}

/// Runs `future` with `log` as the current run, for [`JobLogLayer`].
pub(crate) fn scope<F: Future>(log: RunLog, future: F) -> impl Future<Output = F::Output> {
    CURRENT_RUN.scope(log, future)
}

/// Routes `tracing` events emitted inside a running handler into that run's log.
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// let subscriber = tracing_subscriber::registry()
///     .with(jobwheel_executor::JobLogLayer::new())
///     .with(tracing_subscriber::fmt::layer());
/// // In an app: `subscriber.init()`.
/// let _guard = tracing::subscriber::set_default(subscriber);
/// ```
#[derive(Debug, Clone, Default)]
pub struct JobLogLayer {
    _private: (),
}

impl JobLogLayer {
    /// A layer to add to the app's subscriber.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S: Subscriber> Layer<S> for JobLogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let _ = CURRENT_RUN.try_with(|log| {
            let mut line = EventText::default();
            event.record(&mut line);
            let meta = event.metadata();
            log.line(
                meta.target(),
                format_args!("{} {}{}", meta.level(), line.message, line.fields),
            );
        });
    }
}

/// The message and `key=value` fields of an event, as one line.
#[derive(Default)]
struct EventText {
    message: String,
    fields: String,
}

impl Visit for EventText {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}
