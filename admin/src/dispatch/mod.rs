//! Dispatch: from a fire to an executor call and its log row.
//!
//! Fires come from the time wheel or from a manual/API/retry/parent trigger through the
//! [`Dispatcher`], wait in a bounded fast or slow [`pool`], and are turned into executor
//! calls by the [`trigger`]: routed to one address of the executor group ([`route`]) and
//! sent over the XXL-JOB protocol ([`executor_client`]). Routing state lives per admin node
//! in memory, exactly as in XXL-JOB (shared/PROTOCOL.md §3.7, §3.8, §4; DESIGN.md decisions
//! 5 and 6).

pub mod dispatcher;
pub mod executor_client;
pub mod executor_urls;
pub mod fire;
pub mod gate;
pub mod in_flight;
pub mod intake;
pub mod pool;
pub mod recorder;
pub mod route;
pub mod stage;
pub mod trigger;
pub mod trigger_msg;

pub use dispatcher::{Dispatcher, TriggerRequest};
pub use executor_client::{ExecutorClient, Target};
pub use fire::{Fire, TriggerType};
pub use route::{ExecutorProbe, RouteOutcome, RouteStrategy, Routers};
