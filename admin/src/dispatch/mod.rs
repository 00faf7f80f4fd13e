//! Dispatch: fires through bounded pools to the executor, and the log row of each trigger.

pub mod fire;
pub mod pool;
