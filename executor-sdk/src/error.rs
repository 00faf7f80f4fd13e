//! The SDK's one error type.
//!
//! Errors that reach the app (bad configuration, a port already in use) are values of
//! [`Error`]; errors of a single run never are: they become the run's handle code and message
//! and travel to the admin by callback, so one failing job can never stop the executor.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the executor runtime can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The builder was given something unusable (no app name, an empty admin address …).
    #[error("invalid executor configuration: {0}")]
    Config(String),
    /// The HTTP server could not listen.
    #[error("cannot bind the executor server to {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why the OS refused.
        source: std::io::Error,
    },
    /// A file or directory of the executor (run logs, callback queue, scripts) failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The server stopped with an I/O error while serving.
    #[error("executor server failed: {0}")]
    Serve(std::io::Error),
    /// An admin could not be reached or did not answer in time.
    #[error("request to {url} failed: {source}")]
    Http {
        /// The URL called.
        url: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// An admin answered, but not with success.
    #[error("admin {url} refused the call: {reason}")]
    AdminRejected {
        /// The URL called.
        url: String,
        /// The admin's code and message, or the HTTP status.
        reason: String,
    },
    /// No admin address is configured, so nothing can be reported.
    #[error("no admin address is configured")]
    NoAdmin,
    /// A JSON document (a persisted callback batch) could not be read or written.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// Wraps an I/O error with the path it concerns, so messages say which file failed.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
