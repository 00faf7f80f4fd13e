//! The shutdown signal every long-running process here waits for.

/// Resolves on Ctrl-C or SIGTERM (what `docker stop`, systemd and Kubernetes send).
///
/// Pass it to [`crate::Executor::run`] so the executor deregisters, lets running jobs finish
/// within its grace period, and delivers or spools their results before the process exits.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            // No SIGTERM handler can be installed: Ctrl-C still works.
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
