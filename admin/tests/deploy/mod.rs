//! Readers for the deployment files at the repository root (`docker-compose.yml`,
//! `deploy/nginx.conf`, `Dockerfile`), just deep enough for `compose_file.rs` to check that
//! they agree with each other and with the programs' real settings. No Docker engine runs
//! where the tests run, so reading the files is the check we can make.

#![allow(dead_code)]

pub mod compose;
pub mod dockerfile;
pub mod nginx;
pub mod settings;

use std::path::{Path, PathBuf};

/// The workspace root, where the deployment files live.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("admin/ has a parent")
        .to_path_buf()
}

/// Reads a file relative to the workspace root.
pub fn read(relative: &str) -> String {
    let path = repo_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
