//! The `jobwheel-admin` binary: read the configuration, start, stop on Ctrl-C or SIGTERM.

use clap::Parser;
use jobwheel_admin::app::AppState;
use jobwheel_admin::config::{Config, Flags};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::load(Flags::parse())?;
    jobwheel_admin::observe::logging::init(config.log_format);
    let store =
        jobwheel_admin::store::connect(&config.database_url, config.database_pool_size).await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let state = AppState::new(config, store);
    // SIGTERM stops the scheduler first (scan loop, wheel, then the pools drain); the HTTP
    // server closes once it has stopped (DESIGN.md decision 10).
    let shutdown = tokio_util::sync::CancellationToken::new();
    let scheduler = jobwheel_admin::schedule::spawn(&state, shutdown.clone())?;
    let state = state.with_dispatcher(scheduler.dispatcher().clone());
    tokio::spawn(async move {
        shutdown_signal().await;
        shutdown.cancel();
    });
    jobwheel_admin::server::serve(state, listener, scheduler.stopped()).await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
