//! The sample handlers, named as XXL-JOB's sample executor names them.
//!
//! Each handler is a public async function of a [`JobContext`] (or, for `httpJobHandler`, a
//! type holding its allow-list), so tests and other apps can call them directly, e.g. with
//! `jobwheel_executor::testing::TestRun`.

mod command;
mod demo;
pub mod http;

use std::fmt;

use jobwheel_executor::ExecutorBuilder;

pub use command::command;
pub use demo::{demo, failing, sharding, slow};
pub use http::{AllowList, HttpJobHandler};

/// Which of the dangerous handlers the app turns on, and how far.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Register `commandJobHandler` (a shell for whoever may create jobs); off by default.
    pub enable_command: bool,
    /// The URLs `httpJobHandler` may call; empty (the default) denies every URL.
    pub http_allow: AllowList,
}

/// Adds every sample handler; `commandJobHandler` only when `options.enable_command`.
pub fn register(builder: ExecutorBuilder, options: Options) -> ExecutorBuilder {
    let builder = builder
        .handler("demoJobHandler", demo)
        .handler("shardingJobHandler", sharding)
        .job_handler("httpJobHandler", HttpJobHandler::new(options.http_allow))
        .handler("failingJobHandler", failing)
        .handler("slowJobHandler", slow);
    if options.enable_command {
        builder.handler("commandJobHandler", command)
    } else {
        builder
    }
}

/// What a sample handler returns: a success message, or a [`Failure`].
pub type Outcome = Result<String, Failure>;

/// A handler's failure as the admin shows it: the error with all its causes.
///
/// The SDK reports `error.to_string()`, and an `anyhow::Error` displays only its outermost
/// context, so "calling http://… failed" would hide "operation timed out". This wrapper
/// displays the whole chain (`{:#}`).
#[derive(Debug)]
pub struct Failure(anyhow::Error);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Self(error)
    }
}
