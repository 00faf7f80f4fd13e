//! The sample executor's library half: only its command-line definition, so that other
//! crates' tests (the compose-file check) can parse settings exactly as the binary does.

mod args;

pub use args::Args;
