//! Dispatch: from a fire to an executor call.
//!
//! A fire is routed to one address of its executor group ([`route`]) and sent to that
//! executor over the XXL-JOB protocol ([`executor_client`]). Routing state lives per admin
//! node in memory, exactly as in XXL-JOB (shared/PROTOCOL.md §4, DESIGN.md decisions 5 and 6).

pub mod executor_client;
pub mod route;

pub use executor_client::{ExecutorClient, Target};
pub use route::{ExecutorProbe, RouteOutcome, RouteStrategy, Routers};
