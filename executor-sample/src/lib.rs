//! The sample executor's library half: its command-line definition and its handlers.
//!
//! Both live here rather than in `main.rs` so that tests read the real thing: the admin's
//! compose-file check parses settings exactly as the binary does, and this crate's tests
//! call the handlers with `jobwheel_executor::testing::TestRun` or register them on a real
//! executor.

mod args;
pub mod handlers;

pub use args::Args;
pub use handlers::register;
