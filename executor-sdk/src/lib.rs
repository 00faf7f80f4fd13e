//! # jobwheel-executor
//!
//! The executor side of the XXL-JOB protocol for async Rust apps: register handlers by name,
//! and a Jobwheel admin (or any XXL-JOB admin, 2.2 to 3.5) triggers them over HTTP.
//!
//! Today this crate carries [`protocol`], the wire types shared by the admin, the SDK and the
//! tests. The executor runtime arrives with issue 3.

#![warn(missing_docs)]

pub mod protocol;
