//! External processes run by a job: output into the run log, and a kill that really kills.
//!
//! XXL-JOB stops a script with `Process.destroy()` (SIGTERM to the interpreter only), so
//! anything the script started survives a kill or timeout (PROTOCOL.md §10.11). Here the
//! command runs as the leader of its own process group, and dropping the run's future (which
//! is what kill, timeout and COVER_EARLY do) sends SIGKILL to the whole group.

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

use crate::joblog::RunLog;

/// How long output still arriving after the command exited is copied. A script that leaves a
/// background child holding its stdout must not keep the run open forever.
const OUTPUT_DRAIN: Duration = Duration::from_secs(1);

/// Runs `command` with stdout and stderr streamed into `log`; see the module docs for kills.
pub(crate) async fn run_logged(mut command: Command, log: &RunLog) -> std::io::Result<ExitStatus> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);

    let mut child = command.spawn()?;
    let mut group = GroupKill(child.id());
    let copiers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| tokio::spawn(copy(s, log.clone()))),
        child
            .stderr
            .take()
            .map(|s| tokio::spawn(copy(s, log.clone()))),
    ]
    .into_iter()
    .flatten()
    .collect();

    let status = child.wait().await;
    // The leader is gone and reaped: its pid may be reused, so never signal the group again.
    group.0 = None;
    for copier in copiers {
        let abort = copier.abort_handle();
        if tokio::time::timeout(OUTPUT_DRAIN, copier).await.is_err() {
            abort.abort();
        }
    }
    status
}

async fn copy(mut from: impl tokio::io::AsyncRead + Unpin, log: RunLog) {
    let mut buf = vec![0u8; 8192];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        log.append_raw(&buf[..n]);
    }
}

/// Kills the process group led by the child when dropped before the child was reaped.
struct GroupKill(Option<u32>);

impl Drop for GroupKill {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pgid) = self.0.and_then(|id| libc::pid_t::try_from(id).ok()) {
            // SAFETY: killpg only sends a signal; the group is our child's, which has not
            // been reaped yet, so the id cannot name another process group.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }
}
