//! Start-up and the HTTP router: configuration and wiring live here, apart from handlers.

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::error::Result;

/// Builds the router, every route nested under the configured context path.
pub fn router(config: &Config) -> Router {
    let routes = Router::new().route("/healthz", get(healthz));
    if config.context_path.is_empty() {
        routes
    } else {
        Router::new().nest(&config.context_path, routes)
    }
}

/// Liveness: the process is up and serving.
async fn healthz() -> &'static str {
    "ok"
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    if config.access_token.is_none() {
        tracing::warn!(
            "no access_token configured: executors and this admin will not authenticate each other; set JOBWHEEL_ACCESS_TOKEN in production"
        );
    }
    let app = router(&config);
    tracing::info!(address = %listener.local_addr()?, context_path = %config.context_path, "jobwheel admin listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
