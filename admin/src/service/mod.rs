//! Domain services: the rules behind the REST API, the console and the executor API.
//!
//! Handlers parse a request, call one function here and render its result; the functions
//! here validate, apply XXL-JOB's business rules and talk to the [`crate::store::Store`].
//! Nothing here knows about HTTP, and nothing here writes SQL.

pub mod children;
pub mod completer;
pub mod glue;
pub mod groups;
pub mod joblog;
pub mod jobs;
pub mod lifecycle;
pub mod logs;
pub mod registry;
pub mod reports;
