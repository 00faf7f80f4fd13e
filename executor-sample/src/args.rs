//! The sample executor's settings: every flag also reads a `JOBWHEEL_*` environment variable.
//!
//! They live in the library target (not in `main.rs`) so that tests outside this crate, such
//! as the admin's check of `docker-compose.yml`, read the real definition instead of a copy
//! that could drift.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
use jobwheel_executor::protocol::ProtocolGeneration;

use crate::handlers::{AllowList, Options};

/// A sample executor: demo, sharding, http, command, failing and slow job handlers.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Args {
    /// Admin base URLs, comma-separated (e.g. http://127.0.0.1:8080/xxl-job-admin).
    #[arg(
        long,
        env = "JOBWHEEL_ADMIN_ADDRESSES",
        default_value = "http://127.0.0.1:8080"
    )]
    pub admin_addresses: String,
    /// App name of the executor group in the admin.
    #[arg(
        long,
        env = "JOBWHEEL_APP_NAME",
        default_value = "xxl-job-executor-sample"
    )]
    pub app_name: String,
    /// Access token shared with the admin. Without one, anyone reaching the port runs jobs.
    #[arg(long, env = "JOBWHEEL_ACCESS_TOKEN", default_value = "")]
    pub access_token: String,
    /// Require the XXL-JOB-APPNAME header on every request (as a 3.5 executor does).
    #[arg(long, env = "JOBWHEEL_REQUIRE_APPNAME")]
    pub require_appname: bool,
    /// Interface to listen on.
    #[arg(long, env = "JOBWHEEL_EXECUTOR_BIND", default_value = "0.0.0.0")]
    pub bind: IpAddr,
    /// Port to listen on.
    #[arg(long, env = "JOBWHEEL_EXECUTOR_PORT", default_value_t = jobwheel_executor::DEFAULT_PORT)]
    pub port: u16,
    /// IP advertised to the admin (default: detected).
    #[arg(long, env = "JOBWHEEL_EXECUTOR_IP")]
    pub ip: Option<IpAddr>,
    /// Full address advertised to the admin, e.g. http://executor.svc:9999/ (wins over --ip).
    #[arg(long, env = "JOBWHEEL_EXECUTOR_ADDRESS")]
    pub address: Option<String>,
    /// Root directory of run logs.
    #[arg(long, env = "JOBWHEEL_LOG_PATH", default_value = "logs/jobwheel")]
    pub log_path: PathBuf,
    /// Days of run logs kept (below 3: kept forever).
    #[arg(long, env = "JOBWHEEL_LOG_RETENTION_DAYS", default_value_t = 30)]
    pub log_retention_days: u32,
    /// Directory of undelivered callbacks (default: <log-path>/callbacklogs).
    #[arg(long, env = "JOBWHEEL_CALLBACK_DIR")]
    pub callback_dir: Option<PathBuf>,
    /// Callback shape: `legacy` (admins 2.2–3.4) or `v3_5`; detected when unset.
    #[arg(long, env = "JOBWHEEL_ADMIN_PROTOCOL")]
    pub admin_protocol: Option<ProtocolGeneration>,
    /// Let the admin run GLUE scripts (remote code execution for token holders).
    #[arg(long, env = "JOBWHEEL_ENABLE_GLUE")]
    pub enable_glue: bool,
    /// Register `commandJobHandler`, which runs its param as a command line.
    #[arg(long, env = "JOBWHEEL_ENABLE_COMMAND")]
    pub enable_command: bool,
    /// URL prefixes `httpJobHandler` may call, comma-separated (e.g.
    /// http://reports.internal/api/), or `*` for any URL. Unset: it calls nothing.
    #[arg(long, env = "JOBWHEEL_HTTP_ALLOW")]
    pub http_allow: Option<AllowList>,
}

impl Args {
    /// What the handlers may do, from these settings.
    pub fn handler_options(&self) -> Options {
        Options {
            enable_command: self.enable_command,
            http_allow: self.http_allow.clone().unwrap_or_default(),
        }
    }
}
