//! Building an executor: every setting, with XXL-JOB's defaults (PROTOCOL.md §1.5).

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use crate::context::JobContext;
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::handler::{self, BoxedHandler, JobHandler};
use crate::protocol::ProtocolGeneration;

/// Default port of the executor server, as XXL-JOB's.
pub const DEFAULT_PORT: u16 = 9999;

/// Timings of the background loops. The defaults are the protocol's; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// Between two `api/registry` heartbeats (admins drop an executor silent for 90 s).
    pub heartbeat_interval: Duration,
    /// Between two passes over the spooled (undelivered) callbacks.
    pub callback_retry_interval: Duration,
    /// How long a job's worker idles with nothing queued before it stops itself.
    pub idle_worker_timeout: Duration,
    /// How long shutdown waits for running jobs before stopping them (reported as failed).
    pub shutdown_grace: Duration,
    /// Timeout of each call to an admin.
    pub admin_timeout: Duration,
    /// Between two passes of the run log retention cleaner.
    pub log_cleanup_interval: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_secs(30),
            callback_retry_interval: Duration::from_secs(30),
            idle_worker_timeout: Duration::from_secs(90),
            shutdown_grace: Duration::from_secs(10),
            admin_timeout: Duration::from_secs(3),
            log_cleanup_interval: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// Everything an executor was built with.
#[derive(Clone)]
pub(crate) struct Config {
    pub admin_addresses: Vec<String>,
    pub app_name: String,
    pub access_token: Option<String>,
    pub require_appname: bool,
    pub bind_ip: IpAddr,
    pub port: u16,
    pub ip: Option<IpAddr>,
    pub address: Option<String>,
    pub log_path: PathBuf,
    pub log_retention_days: u32,
    pub callback_dir: PathBuf,
    pub admin_protocol: Option<ProtocolGeneration>,
    pub glue_enabled: bool,
    pub timings: Timings,
    pub handlers: HashMap<String, BoxedHandler>,
}

/// Configures an [`Executor`]; start with [`Executor::builder`].
///
/// Only the app name is required. Handlers are registered by the name the admin's job
/// configuration uses (`JobHandler` in the admin's job form).
#[must_use = "a builder does nothing until `build` is called"]
pub struct ExecutorBuilder {
    admin_addresses: Vec<String>,
    app_name: Option<String>,
    access_token: Option<String>,
    require_appname: bool,
    bind_ip: IpAddr,
    port: u16,
    ip: Option<IpAddr>,
    address: Option<String>,
    log_path: PathBuf,
    log_retention_days: u32,
    callback_dir: Option<PathBuf>,
    admin_protocol: Option<ProtocolGeneration>,
    glue_enabled: bool,
    timings: Timings,
    handlers: Vec<(String, BoxedHandler)>,
}

impl Default for ExecutorBuilder {
    fn default() -> Self {
        Self {
            admin_addresses: Vec::new(),
            app_name: None,
            access_token: None,
            require_appname: false,
            bind_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: DEFAULT_PORT,
            ip: None,
            address: None,
            log_path: PathBuf::from("logs/jobwheel"),
            log_retention_days: 30,
            callback_dir: None,
            admin_protocol: None,
            glue_enabled: false,
            timings: Timings::default(),
            handlers: Vec::new(),
        }
    }
}

impl ExecutorBuilder {
    /// Adds admin base URLs, e.g. `http://admin:8080` or `http://admin:8080/xxl-job-admin`.
    /// Each string may itself hold several, comma-separated (XXL-JOB's `admin.addresses`).
    pub fn admin_addresses<I, S>(mut self, addresses: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for list in addresses {
            self.admin_addresses.extend(
                list.as_ref()
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string),
            );
        }
        self
    }

    /// Adds one admin base URL (or a comma-separated list).
    pub fn admin_address(self, address: impl AsRef<str>) -> Self {
        self.admin_addresses([address])
    }

    /// The app name this executor registers under (the admin's executor group `appname`).
    pub fn app_name(mut self, app_name: impl Into<String>) -> Self {
        self.app_name = Some(app_name.into());
        self
    }

    /// The token admins must send, and which is sent to admins (`XXL-JOB-ACCESS-TOKEN`).
    ///
    /// Without one, anyone who can reach the port can run this executor's jobs (and its
    /// scripts, when GLUE is on); the executor logs a warning at start. XXL-JOB treats a blank
    /// token the same way silently; an empty string here counts as no token.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        let token = token.into();
        self.access_token = (!token.trim().is_empty()).then_some(token);
        self
    }

    /// Requires the `XXL-JOB-APPNAME` header on every request, as a 3.5 executor does. By
    /// default it is checked only when present, so 2.x–3.4 admins (which never send it) work.
    pub fn require_appname_header(mut self, required: bool) -> Self {
        self.require_appname = required;
        self
    }

    /// The interface to listen on (default all, `0.0.0.0`).
    pub fn bind_ip(mut self, ip: IpAddr) -> Self {
        self.bind_ip = ip;
        self
    }

    /// The port to listen on (default 9999; 0 lets the OS choose one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The IP advertised to admins as `http://{ip}:{port}/`, when the detected one is wrong
    /// (containers, several interfaces).
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.ip = Some(ip);
        self
    }

    /// The full address advertised to admins (e.g. `http://job-runner.svc:9999/`), for NAT,
    /// proxies and Kubernetes services. Wins over [`ip`](Self::ip).
    pub fn address(mut self, address: impl Into<String>) -> Self {
        let address = address.into();
        self.address = (!address.trim().is_empty()).then_some(address);
        self
    }

    /// Root of the run logs (`<log_path>/<yyyy-MM-dd>/<logId>.log`) and, by default, of the
    /// callback spool and GLUE scripts. Default `logs/jobwheel`.
    pub fn log_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.log_path = path.into();
        self
    }

    /// Days of run logs kept (default 30); below 3, logs are never deleted.
    pub fn log_retention_days(mut self, days: u32) -> Self {
        self.log_retention_days = days;
        self
    }

    /// Where undelivered callback results wait for the admin (default
    /// `<log_path>/callbacklogs`). Keep it on a persistent volume: it is what makes results
    /// survive an admin outage across an executor restart.
    pub fn callback_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.callback_dir = Some(dir.into());
        self
    }

    /// Fixes the callback shape: [`ProtocolGeneration::Legacy`] (array, admins 2.2–3.4) or
    /// [`ProtocolGeneration::V3_5`] (`{callbackList}`). By default it is detected from how the
    /// admin answers.
    pub fn admin_protocol(mut self, generation: ProtocolGeneration) -> Self {
        self.admin_protocol = Some(generation);
        self
    }

    /// Lets admins run GLUE scripts (shell, Python, Node.js, PHP, PowerShell) shipped in the
    /// trigger. Off by default: it is remote code execution for whoever holds the token.
    pub fn enable_glue(mut self, enabled: bool) -> Self {
        self.glue_enabled = enabled;
        self
    }

    /// Replaces all timings at once.
    pub fn timings(mut self, timings: Timings) -> Self {
        self.timings = timings;
        self
    }

    /// Interval of the `api/registry` heartbeat (default 30 s).
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.timings.heartbeat_interval = interval;
        self
    }

    /// Interval of retries of undelivered callbacks (default 30 s).
    pub fn callback_retry_interval(mut self, interval: Duration) -> Self {
        self.timings.callback_retry_interval = interval;
        self
    }

    /// Idle time after which a job's worker stops itself (default 90 s).
    pub fn idle_worker_timeout(mut self, timeout: Duration) -> Self {
        self.timings.idle_worker_timeout = timeout;
        self
    }

    /// How long shutdown waits for running jobs (default 10 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.timings.shutdown_grace = grace;
        self
    }

    /// Timeout of each call to an admin (default 3 s).
    pub fn admin_timeout(mut self, timeout: Duration) -> Self {
        self.timings.admin_timeout = timeout;
        self
    }

    /// Registers an async closure under `name`.
    ///
    /// ```
    /// # let builder = jobwheel_executor::Executor::builder();
    /// builder.handler("demoJobHandler", |ctx| async move {
    ///     ctx.log(format!("param: {}", ctx.param()));
    ///     Ok::<_, std::io::Error>("done".to_string())
    /// });
    /// ```
    pub fn handler<F, Fut, E>(mut self, name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        self.handlers.push((name.into(), handler::from_fn(handler)));
        self
    }

    /// Registers a [`JobHandler`] implementation under `name`.
    pub fn job_handler(mut self, name: impl Into<String>, handler: impl JobHandler) -> Self {
        self.handlers
            .push((name.into(), handler::from_trait(handler)));
        self
    }

    /// Checks the configuration and builds the executor (nothing is bound or started yet).
    pub fn build(self) -> Result<Executor> {
        let app_name = self
            .app_name
            .filter(|name| !name.trim().is_empty())
            .ok_or_else(|| Error::Config("an app name is required".into()))?;
        if let Some(bad) = self
            .admin_addresses
            .iter()
            .find(|a| !(a.starts_with("http://") || a.starts_with("https://")))
        {
            return Err(Error::Config(format!(
                "admin address `{bad}` must start with http:// or https://"
            )));
        }
        let mut handlers = HashMap::new();
        for (name, handler) in self.handlers {
            if name.trim().is_empty() {
                return Err(Error::Config("a handler name is empty".into()));
            }
            if handlers.insert(name.clone(), handler).is_some() {
                return Err(Error::Config(format!(
                    "handler `{name}` is registered twice"
                )));
            }
        }
        let callback_dir = self
            .callback_dir
            .unwrap_or_else(|| self.log_path.join("callbacklogs"));
        Ok(Executor::new(Config {
            admin_addresses: self.admin_addresses,
            app_name,
            access_token: self.access_token,
            require_appname: self.require_appname,
            bind_ip: self.bind_ip,
            port: self.port,
            ip: self.ip,
            address: self.address,
            log_path: self.log_path,
            log_retention_days: self.log_retention_days,
            callback_dir,
            admin_protocol: self.admin_protocol,
            glue_enabled: self.glue_enabled,
            timings: self.timings,
            handlers,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok(_ctx: JobContext) -> Result<String, String> {
        Ok(String::new())
    }

    fn config_error(builder: ExecutorBuilder) -> String {
        match builder.build() {
            Err(Error::Config(msg)) => msg,
            Err(other) => panic!("unexpected error {other}"),
            Ok(_) => panic!("the configuration was accepted"),
        }
    }

    #[test]
    fn unusable_configurations_are_refused_with_the_reason() {
        assert!(config_error(Executor::builder()).contains("app name"));
        let named = || Executor::builder().app_name("app");
        assert!(config_error(named().admin_address("admin:8080")).contains("admin:8080"));
        assert!(config_error(named().handler("a", ok).handler("a", ok)).contains("`a`"));
        assert!(config_error(named().handler(" ", ok)).contains("empty"));
        assert!(named().handler("a", ok).build().is_ok());
    }

    #[test]
    fn admin_addresses_accept_comma_separated_lists() {
        let builder = Executor::builder()
            .admin_address("http://a:1, http://b:2,")
            .admin_addresses(["http://c:3"]);
        assert_eq!(
            builder.admin_addresses,
            ["http://a:1", "http://b:2", "http://c:3"]
        );
    }
}
