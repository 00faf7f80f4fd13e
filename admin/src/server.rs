//! Start-up and the HTTP router: configuration and wiring live here, apart from handlers.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::error::Result;
use crate::monitor::registry::RegistryMonitor;

/// Builds the router, every route nested under the configured context path.
pub fn router(state: AppState) -> Router {
    let context_path = state.config.context_path.clone();
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::observe::endpoint::metrics))
        .with_state(state.clone())
        .merge(crate::api::router(state.clone()))
        .merge(crate::web::router(state));
    if context_path.is_empty() {
        routes
    } else {
        Router::new().nest(&context_path, routes)
    }
}

/// Liveness: the process is up and serving.
async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for the database. Without a bound the probe would wait as long
/// as the pool keeps retrying a refused connection (10 s), longer than most probes' timeout.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Readiness: the database answers (within [`READY_TIMEOUT`]) and its schema is the one this
/// admin needs. A load balancer stops sending traffic to an admin whose database is gone;
/// during a database outage the answer is a prompt 503, and `/healthz` stays 200.
async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    let pinged = tokio::time::timeout(READY_TIMEOUT, state.store.ping())
        .await
        .unwrap_or_else(|_| {
            Err(crate::error::Error::Internal(format!(
                "the database did not answer within {READY_TIMEOUT:?}"
            )))
        });
    match pinged {
        Ok(()) => (StatusCode::OK, "ready".to_string()),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: database unreachable or not migrated".to_string(),
            )
        }
    }
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let config = state.config.clone();
    if config.access_token.is_none() {
        tracing::warn!(
            "no access_token configured: executors and this admin will not authenticate each other; set JOBWHEEL_ACCESS_TOKEN in production"
        );
    }
    if config.api_tokens.is_empty() {
        tracing::warn!(
            "no api_tokens configured: REST API v1 answers 401 to every call; set JOBWHEEL_API_TOKENS to enable it"
        );
    }
    let loops = CancellationToken::new();
    tokio::spawn(RegistryMonitor::new(state.clone()).run(loops.clone()));
    crate::auth::users::ensure_first_admin(&*state.store).await?;
    let app = router(state);
    tracing::info!(address = %listener.local_addr()?, context_path = %config.context_path, "jobwheel admin listening");
    // The peer address feeds the console's login rate limiter.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let stop_loops = loops.clone();
    let shutdown = async move {
        shutdown.await;
        stop_loops.cancel();
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    loops.cancel();
    Ok(())
}
