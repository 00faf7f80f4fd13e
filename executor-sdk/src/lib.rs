//! # jobwheel-executor
//!
//! The executor side of the XXL-JOB protocol for async Rust apps: register handlers by name,
//! and a Jobwheel admin (or any XXL-JOB admin, 2.2 to 3.5) triggers them over HTTP.
//!
//! ```
//! use jobwheel_executor::{Executor, job_log};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), jobwheel_executor::Error> {
//! # let dir = tempfile::tempdir().unwrap();
//! let executor = Executor::builder()
//!     .admin_address("http://127.0.0.1:8080")
//!     .app_name("xxl-job-executor-sample")
//!     .access_token("default_token")
//!     .port(0) // 9999 by default
//! #   .bind_ip([127, 0, 0, 1].into())
//! #   .log_path(dir.path())
//!     .handler("demoJobHandler", |ctx| async move {
//!         job_log!(ctx, "shard {}/{}, param {:?}", ctx.shard_index(), ctx.shard_total(), ctx.param());
//!         tokio::time::sleep(std::time::Duration::from_millis(10)).await;
//!         Ok::<_, std::io::Error>("done".to_string())
//!     })
//!     .build()?;
//!
//! // Serve until the future resolves (usually `tokio::signal::ctrl_c()`); here, at once.
//! executor.run(async {}).await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## What the executor does
//! * serves `/beat`, `/idleBeat`, `/run` and `/trigger`, `/kill` and `/log` for admins of every
//!   protocol generation ([`protocol`] holds the wire types);
//! * runs each job's triggers in order on the job's own worker, applying the block strategy,
//!   the timeout (code 502) and kills, which really stop the work: the handler's future is
//!   dropped and a script's whole process group is killed;
//! * writes one log file per run, which the admin reads by line range;
//! * reports each result to the admin by callback, spooling results to disk while no admin
//!   answers, so none is lost across outages and restarts;
//! * keeps itself registered with a heartbeat and deregisters on shutdown.
//!
//! ## Testing handlers
//! With the `testing` cargo feature (for dev-dependencies), [`testing::TestRun`] builds the
//! [`JobContext`] of a simulated run, with its log in a temporary directory, so a handler can be
//! unit-tested without an admin or a server, and its log read back.
//!
//! ## Security
//! The access token is what stands between the network and your jobs. Unlike XXL-JOB, a
//! configured token is always checked, and running without one is warned about at start.
//! GLUE scripts (code shipped by the admin) are off unless
//! [`ExecutorBuilder::enable_glue`] turns them on.

#![warn(missing_docs)]

mod admin;
mod callback;
mod config;
mod context;
mod error;
mod executor;
mod glue;
mod handler;
pub mod joblog;
mod process;
pub mod protocol;
mod registry;
mod runner;
mod server;
mod signal;
#[cfg(feature = "testing")]
pub mod testing;
mod tracing_layer;

pub use config::{DEFAULT_PORT, ExecutorBuilder, Timings};
pub use context::JobContext;
pub use error::{Error, Result};
pub use executor::{BoundExecutor, Executor};
pub use handler::JobHandler;
pub use server::MAX_REQUEST_BYTES;
pub use signal::shutdown_signal;
pub use tracing_layer::JobLogLayer;
