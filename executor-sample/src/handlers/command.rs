//! `commandJobHandler`: runs its param as a command line on the executor's host.
//!
//! Whoever may create or edit jobs in the admin gets a shell as the executor's user, so the
//! handler is registered only when the app enables it (`--enable-command`). It splits the
//! param on whitespace and runs no shell, so there are no pipes or globs to get wrong, but a
//! program is still a program: `sh -c '…'` works. Enabling it is a decision about people,
//! not about input validation.

use anyhow::{Context as _, anyhow};
use jobwheel_executor::JobContext;

use super::Outcome;

/// Environment variables a command does not inherit: the executor's own settings, chief among
/// them `JOBWHEEL_ACCESS_TOKEN`, which a plain `env` would otherwise print into the run log for
/// every console user to read.
const HIDDEN_ENV_PREFIX: &str = "JOBWHEEL_";

/// Runs the param (split on whitespace, no shell); output into the run log; an exit code
/// other than 0 fails the run. A kill or timeout kills the command's whole process group.
pub async fn command(ctx: JobContext) -> Outcome {
    let mut words = ctx.param().split_whitespace();
    let program = words
        .next()
        .context("the param must be a command line, e.g. `ls -l /tmp`")?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(words);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with(HIDDEN_ENV_PREFIX) {
            cmd.env_remove(name);
        }
    }
    let status = ctx
        .run_command(cmd)
        .await
        .with_context(|| format!("cannot run `{program}`"))?;
    if !status.success() {
        let code = status
            .code()
            .map_or_else(|| "none: killed by a signal".to_string(), |c| c.to_string());
        return Err(anyhow!("command exit value({code}) is failed").into());
    }
    Ok(String::new())
}
