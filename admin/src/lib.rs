//! # jobwheel-admin
//!
//! The Jobwheel admin: it keeps jobs, executor groups, the executor registry and trigger logs
//! in MySQL/MariaDB or SQLite, schedules fires on a millisecond time wheel under a database
//! lock, dispatches them to executors over the XXL-JOB protocol, and serves the REST API,
//! the executor-facing API and the web console.
//!
//! The data path reads top-down: `schedule` (scan → wheel) → `dispatch` (route → executor
//! call) → `api` (callback) → `store` (log row).

pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod dispatch;
pub mod error;
pub mod monitor;
pub mod schedule;
pub mod server;
pub mod service;
pub mod store;
pub mod time;
pub mod web;

pub use config::Config;
pub use error::{Error, Result};
