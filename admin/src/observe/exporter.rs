//! The process-wide Prometheus recorder.
//!
//! The `metrics` facade has one global recorder per process, so there is one exporter per
//! process too, installed on first use and shared by every admin the process runs (tests run
//! several; their series add up, which is what a per-process exporter reports anyway).
//! It has no HTTP listener of its own: `GET /metrics` on the admin's server renders it, under
//! the context path and behind the same load balancer rules as everything else.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

use super::series::{self, SECONDS_BUCKETS};

/// How often histogram samples are folded into their buckets when nobody scrapes (without
/// it they pile up in memory between scrapes).
const UPKEEP_PERIOD: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder (once per process) and returns its handle; `None` when another
/// recorder was installed first (an embedding application's), in which case our series go
/// there and `/metrics` says so.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| match build() {
            Ok(handle) => {
                series::describe();
                spawn_upkeep(handle.clone());
                Some(handle)
            }
            Err(error) => {
                tracing::warn!(%error, "cannot install the Prometheus recorder; /metrics is disabled");
                None
            }
        })
        .as_ref()
}

/// True once [`install`] installed our recorder (false before, and when another recorder was
/// there first).
pub fn is_installed() -> bool {
    matches!(HANDLE.get(), Some(Some(_)))
}

fn build() -> Result<PrometheusHandle, BuildError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)?
        .install_recorder()
}

/// The recorder lives as long as the process, so its upkeep does too: a plain thread, not a
/// task of whichever runtime happened to install it first.
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_PERIOD);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start metrics upkeep; histograms are folded at scrape time only");
    }
}

/// The current metrics in the Prometheus text format, or `None` without a recorder.
pub fn render() -> Option<String> {
    let handle = install()?;
    handle.run_upkeep();
    Some(handle.render())
}
