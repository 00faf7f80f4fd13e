//! One module per scenario of issue 7; each adds its figures to the [`Report`](crate::report::Report).

pub mod ceiling;
pub mod executor;
pub mod footprint;
pub mod lateness;
pub mod peer_admin;
pub mod scan;
pub mod throughput;

use std::time::Duration;

use crate::Opts;

/// `full` normally, `smoke` with `--smoke`.
pub fn pick<T>(opts: &Opts, full: T, smoke: T) -> T {
    if opts.smoke { smoke } else { full }
}

/// A measuring window: `full` seconds normally, `smoke` with `--smoke`.
pub fn window(opts: &Opts, full: u64, smoke: u64) -> Duration {
    Duration::from_secs(pick(opts, full, smoke))
}
