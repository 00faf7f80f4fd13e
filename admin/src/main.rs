//! The `jobwheel-admin` binary: read the configuration, start, stop on Ctrl-C or SIGTERM.

use clap::Parser;
use jobwheel_admin::app::AppState;
use jobwheel_admin::config::{Config, Flags};
use jobwheel_executor::shutdown_signal;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = Config::load(Flags::parse())?;
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
