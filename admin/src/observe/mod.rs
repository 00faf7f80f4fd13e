//! Observability (DESIGN.md decision 9): Prometheus metrics on `GET /metrics`, and the
//! `tracing` subscriber (text or JSON).
//!
//! * [`series`]: the name of every series and the one-line functions the data path calls to
//!   record it, so instrumenting a file is one line at the right place;
//! * [`exporter`]: the process-wide Prometheus recorder of the `metrics` crate, rendered by
//!   our own HTTP server (no second listener, no second port to secure);
//! * [`endpoint`]: the `/metrics` handler, open unless `metrics_token` is configured;
//! * [`logging`]: `log_format = text | json`.

pub mod endpoint;
pub mod exporter;
pub mod logging;
pub mod series;

pub use logging::LogFormat;
