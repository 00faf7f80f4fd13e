//! The sample executor app: the XXL-JOB sample handlers, served by the jobwheel-executor SDK.
//!
//! Configure it with flags or environment variables (`--help` lists them), point it at an
//! admin (Jobwheel or XXL-JOB 2.2–3.5), and create jobs with the handler names below.

use clap::Parser;
use jobwheel_executor::{Executor, JobLogLayer, shutdown_signal};
use jobwheel_executor_sample::{Args, register};
use tracing_subscriber::prelude::*;

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
    let options = args.handler_options();
    if options.enable_command {
        tracing::warn!("commandJobHandler is on: whoever can create jobs can run commands here");
    }
    tracing::info!("httpJobHandler may call: {}", options.http_allow);
    let executor = register(builder, options).build()?;
    executor.run(shutdown_signal()).await?;
    Ok(())
}
