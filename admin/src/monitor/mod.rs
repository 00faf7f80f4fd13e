//! Background loops that keep the database true: each is a struct with
//! `run(self, shutdown)` that ticks until the token is cancelled.

pub mod registry;
