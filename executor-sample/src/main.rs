//! The sample executor app: the XXL-JOB sample handlers, served by the jobwheel-executor SDK.
//!
//! Configure it with flags or environment variables (`--help` lists them), point it at an
//! admin (Jobwheel or XXL-JOB 2.2–3.5), and create jobs with the handler names below.

mod handlers;

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
use jobwheel_executor::protocol::ProtocolGeneration;
use jobwheel_executor::{Executor, JobLogLayer};
use tracing_subscriber::prelude::*;

/// A sample executor: demo, sharding, http, command, failing and slow job handlers.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Admin base URLs, comma-separated (e.g. http://127.0.0.1:8080/xxl-job-admin).
    #[arg(
        long,
        env = "JOBWHEEL_ADMIN_ADDRESSES",
        default_value = "http://127.0.0.1:8080"
    )]
    admin_addresses: String,
    /// App name of the executor group in the admin.
    #[arg(
        long,
        env = "JOBWHEEL_APP_NAME",
        default_value = "xxl-job-executor-sample"
    )]
    app_name: String,
    /// Access token shared with the admin. Without one, anyone reaching the port runs jobs.
    #[arg(long, env = "JOBWHEEL_ACCESS_TOKEN", default_value = "")]
    access_token: String,
    /// Require the XXL-JOB-APPNAME header on every request (as a 3.5 executor does).
    #[arg(long, env = "JOBWHEEL_REQUIRE_APPNAME")]
    require_appname: bool,
    /// Interface to listen on.
    #[arg(long, env = "JOBWHEEL_EXECUTOR_BIND", default_value = "0.0.0.0")]
    bind: IpAddr,
    /// Port to listen on.
    #[arg(long, env = "JOBWHEEL_EXECUTOR_PORT", default_value_t = jobwheel_executor::DEFAULT_PORT)]
    port: u16,
    /// IP advertised to the admin (default: detected).
    #[arg(long, env = "JOBWHEEL_EXECUTOR_IP")]
    ip: Option<IpAddr>,
    /// Full address advertised to the admin, e.g. http://executor.svc:9999/ (wins over --ip).
    #[arg(long, env = "JOBWHEEL_EXECUTOR_ADDRESS")]
    address: Option<String>,
    /// Root directory of run logs.
    #[arg(long, env = "JOBWHEEL_LOG_PATH", default_value = "logs/jobwheel")]
    log_path: PathBuf,
    /// Days of run logs kept (below 3: kept forever).
    #[arg(long, env = "JOBWHEEL_LOG_RETENTION_DAYS", default_value_t = 30)]
    log_retention_days: u32,
    /// Directory of undelivered callbacks (default: <log-path>/callbacklogs).
    #[arg(long, env = "JOBWHEEL_CALLBACK_DIR")]
    callback_dir: Option<PathBuf>,
    /// Callback shape: `legacy` (admins 2.2–3.4) or `v3_5`; detected when unset.
    #[arg(long, env = "JOBWHEEL_ADMIN_PROTOCOL")]
    admin_protocol: Option<ProtocolGeneration>,
    /// Let the admin run GLUE scripts (remote code execution for token holders).
    #[arg(long, env = "JOBWHEEL_ENABLE_GLUE")]
    enable_glue: bool,
    /// Register `commandJobHandler`, which runs its param as a command line.
    #[arg(long, env = "JOBWHEEL_ENABLE_COMMAND")]
    enable_command: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::registry()
        .with(JobLogLayer::new())
        .with(tracing_subscriber::fmt::layer())
        .with(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();

    let mut builder = Executor::builder()
        .admin_address(&args.admin_addresses)
        .app_name(&args.app_name)
        .access_token(&args.access_token)
        .require_appname_header(args.require_appname)
        .bind_ip(args.bind)
        .port(args.port)
        .log_path(&args.log_path)
        .log_retention_days(args.log_retention_days)
        .enable_glue(args.enable_glue);
    if let Some(ip) = args.ip {
        builder = builder.ip(ip);
    }
    if let Some(address) = &args.address {
        builder = builder.address(address);
    }
    if let Some(dir) = &args.callback_dir {
        builder = builder.callback_dir(dir);
    }
    if let Some(protocol) = args.admin_protocol {
        builder = builder.admin_protocol(protocol);
    }
    let executor = handlers::register(builder, args.enable_command).build()?;
    executor.run(shutdown_signal()).await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM (what `docker stop` and Kubernetes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
