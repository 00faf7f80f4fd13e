//! Scheduling: the scan loop under the DB lock, the millisecond time wheel, orphan recovery.

pub mod wheel;
