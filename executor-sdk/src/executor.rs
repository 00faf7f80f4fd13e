//! The executor: binds the server, starts the background loops, and shuts them down in order.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::admin::AdminClient;
use crate::callback::{CallbackLoop, Spool};
use crate::config::{Config, ExecutorBuilder};
use crate::error::{Error, Result};
use crate::joblog::{JobLogStore, LogCleaner};
use crate::protocol::RegistryParam;
use crate::registry::RegistryLoop;
use crate::runner::{Runner, RunnerConfig};
use crate::server::{self, Auth, ServerState};

/// An executor, configured but not yet listening. See the [crate docs](crate) for an example.
pub struct Executor {
    config: Config,
}

impl Executor {
    /// Starts configuring an executor.
    pub fn builder() -> ExecutorBuilder {
        ExecutorBuilder::default()
    }

    pub(crate) fn new(config: Config) -> Self {
        Self { config }
    }

    /// Binds the server port, so the actual address is known before serving (port 0, tests).
    pub async fn bind(self) -> Result<BoundExecutor> {
        let addr = SocketAddr::new(self.config.bind_ip, self.config.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        let address = advertised_address(&self.config, local_addr);
        Ok(BoundExecutor {
            config: self.config,
            listener,
            local_addr,
            address,
        })
    }

    /// Binds and serves until `shutdown` resolves, then shuts down gracefully.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<()> {
        self.bind().await?.run(shutdown).await
    }
}

/// An executor whose port is bound; [`run`](Self::run) serves it.
pub struct BoundExecutor {
    config: Config,
    listener: TcpListener,
    local_addr: SocketAddr,
    address: String,
}

impl BoundExecutor {
    /// The socket address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address registered with admins (`registryValue`), e.g. `http://10.0.0.5:9999/`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Serves until `shutdown` resolves, then:
    /// 1. stops the server and sends `api/registryRemove` to every admin;
    /// 2. lets running and queued jobs finish within the shutdown grace, then stops the rest,
    ///    which are reported as failed;
    /// 3. delivers the remaining results (or spools them to disk for the next start).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<()> {
        let config = self.config;
        if config.access_token.is_none() {
            tracing::warn!(
                "NO ACCESS TOKEN CONFIGURED: anyone who can reach {} can trigger this executor's \
                 jobs{}. Set one with `access_token` (the same as the admin's).",
                self.local_addr,
                if config.glue_enabled {
                    " and run arbitrary GLUE scripts"
                } else {
                    ""
                }
            );
        }
        let logs = JobLogStore::new(&config.log_path);
        let admin = AdminClient::new(
            config.admin_addresses.clone(),
            config.access_token.clone(),
            config.app_name.clone(),
            config.admin_protocol,
            config.timings.admin_timeout,
        )?;
        let (results_tx, results_rx) = mpsc::unbounded_channel();
        let runner = Runner::new(RunnerConfig {
            handlers: config.handlers.clone(),
            glue_dir: config
                .glue_enabled
                .then(|| config.log_path.join("gluesource")),
            logs: logs.clone(),
            callbacks: results_tx,
            idle_timeout: config.timings.idle_worker_timeout,
        });

        let callbacks_stop = CancellationToken::new();
        let callbacks = tokio::spawn(
            CallbackLoop {
                results: results_rx,
                admin: admin.clone(),
                spool: Spool::new(config.callback_dir.clone()),
                logs: logs.clone(),
                retry_interval: config.timings.callback_retry_interval,
            }
            .run(callbacks_stop.clone()),
        );
        let cleaner_stop = CancellationToken::new();
        tokio::spawn(
            LogCleaner {
                store: logs.clone(),
                retention_days: config.log_retention_days,
                interval: config.timings.log_cleanup_interval,
            }
            .run(cleaner_stop.clone()),
        );

        let server_stop = CancellationToken::new();
        let app = server::router(ServerState {
            runner: runner.clone(),
            logs,
            auth: Arc::new(Auth {
                token: config.access_token.clone(),
                app_name: config.app_name.clone(),
                require_appname: config.require_appname,
            }),
        });
        let serve = axum::serve(self.listener, app)
            .with_graceful_shutdown(server_stop.clone().cancelled_owned());
        let mut server = tokio::spawn(async move { serve.await });
        tracing::info!(
            app_name = %config.app_name,
            listen = %self.local_addr,
            address = %self.address,
            "executor serving"
        );

        // Registration starts once the server listens, so admins never route to a closed port.
        let registry_stop = CancellationToken::new();
        let registry = tokio::spawn(
            RegistryLoop {
                admin,
                registration: RegistryParam::executor(&config.app_name, &self.address),
                interval: config.timings.heartbeat_interval,
            }
            .run(registry_stop.clone()),
        );

        let mut outcome = Ok(());
        tokio::select! {
            () = shutdown => {}
            finished = &mut server => {
                outcome = match finished {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(Error::Serve(e)),
                    Err(e) => Err(Error::Serve(std::io::Error::other(e))),
                };
            }
        }
        tracing::info!("executor shutting down");
        server_stop.cancel();
        registry_stop.cancel();
        let _ = registry.await;
        if !server.is_finished() {
            let _ = tokio::time::timeout(config.timings.shutdown_grace, &mut server).await;
        }
        runner.shutdown(config.timings.shutdown_grace).await;
        drop(runner);
        callbacks_stop.cancel();
        let _ = callbacks.await;
        cleaner_stop.cancel();
        tracing::info!("executor stopped");
        outcome
    }
}

/// `address` if set, else `http://{ip}:{port}/` with the configured, bound or detected IP.
fn advertised_address(config: &Config, local: SocketAddr) -> String {
    if let Some(address) = &config.address {
        return address.clone();
    }
    let ip = config.ip.unwrap_or_else(|| {
        if local.ip().is_unspecified() {
            detect_ip()
        } else {
            local.ip()
        }
    });
    format!("http://{}/", SocketAddr::new(ip, local.port()))
}

/// The IP of the interface that routes outward. Connecting a UDP socket sends nothing; it only
/// asks the kernel which source address it would use.
fn detect_ip() -> IpAddr {
    std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|socket| {
            socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9))?;
            socket.local_addr()
        })
        .map(|addr| addr.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}
