//! One [`Config`] for the admin, read from defaults, then a TOML file, then `JOBWHEEL_*`
//! environment variables, then command-line flags (each later source wins).
//!
//! The defaults run as they are: listen on 0.0.0.0:8080 with an embedded SQLite file, so
//! `cargo run -p jobwheel-admin` works on a fresh checkout. Everything a cluster must agree
//! on (database, access token) comes from here, so every admin of a cluster is configured
//! the same way.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::observe::LogFormat;

/// The admin's configuration. Field names are the TOML keys; the environment variable of a
/// key is `JOBWHEEL_` + the key in upper case (e.g. `JOBWHEEL_DATABASE_URL`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// `sqlite://jobwheel.db` (embedded, one admin) or `mysql://user:pass@host:3306/db`.
    pub database_url: String,
    /// Maximum database connections.
    pub database_pool_size: u32,
    /// Token executors must send in `XXL-JOB-ACCESS-TOKEN`, and that we send to them.
    /// Unset means no check, with a loud warning at start.
    pub access_token: Option<String>,
    /// Bearer tokens accepted by REST v1.
    pub api_tokens: Vec<String>,
    /// Path prefix for every route, e.g. `/xxl-job-admin` for executors configured for an
    /// XXL-JOB 2.x admin. Empty serves at the root.
    pub context_path: String,
    /// Workers of the fast dispatch pool.
    pub fast_pool_size: usize,
    /// Workers of the slow dispatch pool (jobs whose triggers keep taking > 500 ms).
    pub slow_pool_size: usize,
    /// Fires waiting in each pool beyond its busy workers before a fire is refused (and
    /// recorded as failed, never dropped silently).
    pub pool_queue_size: usize,
    /// Timeout of every call to an executor, in milliseconds.
    pub executor_timeout_ms: u64,
    /// IANA time zone for jobs that name none, and for DATETIME columns.
    pub time_zone: String,
    /// Days of trigger logs kept; below 3 disables the cleanup, as in XXL-JOB.
    pub log_retention_days: u32,
    /// Bearer token `GET /metrics` requires; unset leaves it open (see `observe::endpoint`).
    pub metrics_token: Option<String>,
    /// `text` (default) or `json`: one JSON object per log line.
    pub log_format: LogFormat,
    /// Secret (32+ characters) from which the console's session-cookie key is derived. Set
    /// the same value on every admin of a cluster so each accepts the others' sessions;
    /// unset means a random key per start (sessions end at restart), with a warning.
    pub cookie_key: Option<String>,
    /// Mark the session cookie `Secure` (set it when the console is served over HTTPS).
    pub cookie_secure: bool,
    /// Console language, `en` or `zh-CN`; unset follows the browser's Accept-Language.
    pub language: Option<String>,
    /// SMTP server of alarm mail; unset disables email alarms.
    pub smtp_host: Option<String>,
    /// SMTP port; unset means 25 (`none`), 587 (`starttls`) or 465 (`tls`).
    pub smtp_port: Option<u16>,
    /// How the SMTP connection is secured: `none`, `starttls` or `tls` (implicit TLS).
    pub smtp_tls: SmtpTls,
    /// SMTP login; unset sends without authentication.
    pub smtp_user: Option<String>,
    /// SMTP password.
    pub smtp_password: Option<String>,
    /// Sender of alarm mail, e.g. `Jobwheel <jobwheel@example.com>`; required with
    /// `smtp_host`.
    pub smtp_from: Option<String>,
    /// Webhook every failed job's alarm is POSTed to, unless the job names its own.
    pub alarm_webhook_url: Option<String>,
    /// JSON body of webhook alarms with `{{placeholders}}` (for chat tools); unset posts
    /// Jobwheel's own JSON.
    pub alarm_webhook_template: Option<String>,
    /// The console's address as users reach it (e.g. `https://jobs.example.com`), for the
    /// links to a log in alarms.
    pub public_url: Option<String>,
}

/// How alarm mail reaches the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a relay on localhost or a trusted network).
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            database_url: "sqlite://jobwheel.db".to_string(),
            database_pool_size: 10,
            access_token: None,
            api_tokens: Vec::new(),
            context_path: String::new(),
            fast_pool_size: 64,
            slow_pool_size: 32,
            pool_queue_size: 2000,
            executor_timeout_ms: 3000,
            time_zone: default_time_zone(),
            log_retention_days: 30,
            metrics_token: None,
            log_format: LogFormat::Text,
            cookie_key: None,
            cookie_secure: false,
            language: None,
            smtp_host: None,
            smtp_port: None,
            smtp_tls: SmtpTls::default(),
            smtp_user: None,
            smtp_password: None,
            smtp_from: None,
            alarm_webhook_url: None,
            alarm_webhook_template: None,
            public_url: None,
        }
    }
}

/// The time zone of the machine: `TZ` if set, else UTC.
fn default_time_zone() -> String {
    std::env::var("TZ")
        .ok()
        .map(|tz| tz.trim_start_matches(':').to_string())
        .filter(|tz| tz.parse::<chrono_tz::Tz>().is_ok())
        .unwrap_or_else(|| "UTC".to_string())
}

/// Command-line flags; each also reads its `JOBWHEEL_*` environment variable.
#[derive(Debug, Default, Parser)]
#[command(
    name = "jobwheel-admin",
    version,
    about = "Jobwheel admin: a distributed job scheduler speaking the XXL-JOB protocol"
)]
pub struct Flags {
    /// TOML configuration file.
    #[arg(long, env = "JOBWHEEL_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to bind, e.g. 0.0.0.0:8080.
    #[arg(long, env = "JOBWHEEL_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Database URL: sqlite://FILE or mysql://USER:PASS@HOST:PORT/DB.
    #[arg(long, env = "JOBWHEEL_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Maximum database connections.
    #[arg(long, env = "JOBWHEEL_DATABASE_POOL_SIZE")]
    pub database_pool_size: Option<u32>,
    /// Access token shared with executors.
    #[arg(long, env = "JOBWHEEL_ACCESS_TOKEN")]
    pub access_token: Option<String>,
    /// REST v1 bearer tokens, comma-separated.
    #[arg(long, env = "JOBWHEEL_API_TOKENS", value_delimiter = ',')]
    pub api_tokens: Option<Vec<String>>,
    /// Path prefix for every route, e.g. /xxl-job-admin.
    #[arg(long, env = "JOBWHEEL_CONTEXT_PATH")]
    pub context_path: Option<String>,
    /// Workers of the fast dispatch pool.
    #[arg(long, env = "JOBWHEEL_FAST_POOL_SIZE")]
    pub fast_pool_size: Option<usize>,
    /// Workers of the slow dispatch pool.
    #[arg(long, env = "JOBWHEEL_SLOW_POOL_SIZE")]
    pub slow_pool_size: Option<usize>,
    /// Queue length of each dispatch pool.
    #[arg(long, env = "JOBWHEEL_POOL_QUEUE_SIZE")]
    pub pool_queue_size: Option<usize>,
    /// Executor call timeout in milliseconds.
    #[arg(long, env = "JOBWHEEL_EXECUTOR_TIMEOUT_MS")]
    pub executor_timeout_ms: Option<u64>,
    /// Default IANA time zone of jobs.
    #[arg(long, env = "JOBWHEEL_TIME_ZONE")]
    pub time_zone: Option<String>,
    /// Days of trigger logs kept (< 3 disables cleanup).
    #[arg(long, env = "JOBWHEEL_LOG_RETENTION_DAYS")]
    pub log_retention_days: Option<u32>,
    /// Bearer token required by GET /metrics (default: open).
    #[arg(long, env = "JOBWHEEL_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
    /// Log format: text or json.
    #[arg(long, env = "JOBWHEEL_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Secret (32+ characters) the session-cookie key is derived from; same on every admin.
    #[arg(long, env = "JOBWHEEL_COOKIE_KEY", hide_env_values = true)]
    pub cookie_key: Option<String>,
    /// Mark the session cookie Secure (console served over HTTPS).
    #[arg(long, env = "JOBWHEEL_COOKIE_SECURE")]
    pub cookie_secure: Option<bool>,
    /// Console language: en or zh-CN (default: the browser's).
    #[arg(long, env = "JOBWHEEL_LANGUAGE")]
    pub language: Option<String>,
    /// SMTP server of alarm mail.
    #[arg(long, env = "JOBWHEEL_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default by TLS mode: 25, 587, 465).
    #[arg(long, env = "JOBWHEEL_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// SMTP security: none, starttls or tls.
    #[arg(long, env = "JOBWHEEL_SMTP_TLS")]
    pub smtp_tls: Option<SmtpTls>,
    /// SMTP login.
    #[arg(long, env = "JOBWHEEL_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// SMTP password.
    #[arg(long, env = "JOBWHEEL_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// Sender of alarm mail.
    #[arg(long, env = "JOBWHEEL_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// Default webhook of alarms.
    #[arg(long, env = "JOBWHEEL_ALARM_WEBHOOK_URL")]
    pub alarm_webhook_url: Option<String>,
    /// JSON template of webhook alarms.
    #[arg(long, env = "JOBWHEEL_ALARM_WEBHOOK_TEMPLATE")]
    pub alarm_webhook_template: Option<String>,
    /// The console's public address, for links in alarms.
    #[arg(long, env = "JOBWHEEL_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl Config {
    /// Loads defaults, then the file named by `--config`/`JOBWHEEL_CONFIG`, then env and flags.
    pub fn load(flags: Flags) -> Result<Self> {
        let mut config = match &flags.config {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        config.apply(flags);
        config.validate()?;
        Ok(config)
    }

    /// Reads a TOML file over the defaults.
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    fn apply(&mut self, flags: Flags) {
        macro_rules! over {
            ($($field:ident),*) => { $( if let Some(v) = flags.$field { self.$field = v; } )* };
        }
        over!(
            listen,
            database_url,
            database_pool_size,
            api_tokens,
            context_path,
            fast_pool_size,
            slow_pool_size,
            pool_queue_size,
            executor_timeout_ms,
            time_zone,
            log_retention_days,
            log_format,
            cookie_secure
        );
        if flags.access_token.is_some() {
            self.access_token = flags.access_token;
        }
        if flags.metrics_token.is_some() {
            self.metrics_token = flags.metrics_token;
        }
        if flags.cookie_key.is_some() {
            self.cookie_key = flags.cookie_key;
        }
        if flags.language.is_some() {
            self.language = flags.language;
        }
        if let Some(tls) = flags.smtp_tls {
            self.smtp_tls = tls;
        }
        macro_rules! optional {
            ($($field:ident),*) => { $( if flags.$field.is_some() { self.$field = flags.$field; } )* };
        }
        optional!(
            smtp_host,
            smtp_port,
            smtp_user,
            smtp_password,
            smtp_from,
            alarm_webhook_url,
            alarm_webhook_template,
            public_url
        );
    }

    /// Checks values and normalises the context path to `""` or `/segment…` (no trailing `/`).
    pub fn validate(&mut self) -> Result<()> {
        let path = self.context_path.trim().trim_end_matches('/');
        self.context_path = match path {
            "" => String::new(),
            p if p.starts_with('/') => p.to_string(),
            p => format!("/{p}"),
        };
        if self.context_path.contains(['?', '#', ' ']) {
            return Err(Error::validation(
                "context_path",
                "must be a plain URL path",
            ));
        }
        if self
            .access_token
            .as_deref()
            .is_some_and(|t| t.trim().is_empty())
        {
            self.access_token = None;
        }
        self.api_tokens.retain(|t| !t.trim().is_empty());
        self.metrics_token = self.metrics_token.take().filter(|t| !t.trim().is_empty());
        self.validate_console()?;
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(Error::validation(
                "time_zone",
                format!("`{}` is not an IANA time zone name", self.time_zone),
            ));
        }
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("mysql:")
            || self.database_url.starts_with("mariadb:"))
        {
            return Err(Error::validation(
                "database_url",
                "must start with sqlite: or mysql:",
            ));
        }
        for (field, value) in [
            ("database_pool_size", self.database_pool_size as usize),
            ("fast_pool_size", self.fast_pool_size),
            ("slow_pool_size", self.slow_pool_size),
            ("pool_queue_size", self.pool_queue_size),
        ] {
            if value == 0 {
                return Err(Error::validation(field, "must be at least 1"));
            }
        }
        self.validate_alarms()?;
        if self.executor_timeout_ms == 0 {
            return Err(Error::validation(
                "executor_timeout_ms",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// The console's keys: a short cookie secret would make sessions guessable, and an
    /// unknown language would silently show English.
    fn validate_console(&mut self) -> Result<()> {
        if self
            .cookie_key
            .as_deref()
            .is_some_and(|k| k.trim().is_empty())
        {
            self.cookie_key = None;
        }
        if self
            .cookie_key
            .as_deref()
            .is_some_and(|k| k.chars().count() < 32)
        {
            return Err(Error::validation(
                "cookie_key",
                "must be at least 32 characters (e.g. `openssl rand -hex 32`)",
            ));
        }
        self.language = match self.language.as_deref().map(str::trim) {
            None | Some("") | Some("auto") => None,
            Some(l) if l.eq_ignore_ascii_case("en") => Some("en".into()),
            Some(l) if l.eq_ignore_ascii_case("zh-CN") || l.eq_ignore_ascii_case("zh_CN") => {
                Some("zh-CN".into())
            }
            Some(_) => {
                return Err(Error::validation(
                    "language",
                    "must be `en` or `zh-CN` (or unset to follow the browser)",
                ));
            }
        };
        Ok(())
    }

    /// Alarm settings: blanks are unset, and what cannot work fails at start rather than
    /// at the first failed job.
    fn validate_alarms(&mut self) -> Result<()> {
        for value in [
            &mut self.smtp_host,
            &mut self.smtp_user,
            &mut self.smtp_password,
            &mut self.smtp_from,
            &mut self.alarm_webhook_url,
            &mut self.alarm_webhook_template,
            &mut self.public_url,
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *value = None;
            }
        }
        if self.smtp_host.is_some() {
            let from = self.smtp_from.as_deref().unwrap_or_default();
            if from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(Error::validation(
                    "smtp_from",
                    "must be a mail address (e.g. `Jobwheel <jobs@example.com>`) when smtp_host is set",
                ));
            }
        }
        if let Some(url) = &self.alarm_webhook_url {
            crate::alarm::webhook::check_url("alarm_webhook_url", url)?;
        }
        if let Some(template) = &self.alarm_webhook_template {
            crate::alarm::webhook::check_template(template)?;
        }
        if let Some(url) = &mut self.public_url {
            *url = url.trim().trim_end_matches('/').to_string();
        }
        Ok(())
    }

    /// The SMTP port: the configured one, or the usual one of the TLS mode.
    pub fn smtp_port(&self) -> u16 {
        self.smtp_port.unwrap_or(match self.smtp_tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        })
    }

    /// The default time zone, parsed.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// Executor call timeout.
    pub fn executor_timeout(&self) -> Duration {
        Duration::from_millis(self.executor_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_run_on_sqlite_at_8080() {
        let mut config = Config::default();
        config.validate().unwrap();
        assert_eq!(config.listen.port(), 8080);
        assert!(config.database_url.starts_with("sqlite:"));
    }

    #[test]
    fn file_then_flags_override_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobwheel.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\ncontext_path = \"xxl-job-admin/\"\naccess_token = \"t\"\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(path),
            listen: Some("127.0.0.1:9100".parse().unwrap()),
            ..Flags::default()
        };
        let config = Config::load(flags).unwrap();
        assert_eq!(config.listen.port(), 9100);
        assert_eq!(config.context_path, "/xxl-job-admin");
        assert_eq!(config.access_token.as_deref(), Some("t"));
    }

    #[test]
    fn log_format_and_metrics_token_come_from_file_or_flags() {
        let config: Config =
            toml::from_str("log_format = \"json\"\nmetrics_token = \"m\"").unwrap();
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.metrics_token.as_deref(), Some("m"));
        let flags = Flags::try_parse_from([
            "jobwheel-admin",
            "--log-format",
            "JSON",
            "--metrics-token",
            " ",
        ])
        .unwrap();
        let config = Config::load(flags).unwrap();
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(
            config.metrics_token, None,
            "a blank token leaves /metrics open"
        );
        assert!(Flags::try_parse_from(["jobwheel-admin", "--log-format", "xml"]).is_err());
        assert!(toml::from_str::<Config>("log_format = \"xml\"").is_err());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let bad: std::result::Result<Config, _> = toml::from_str("lisen = \"x\"");
        assert!(bad.unwrap_err().to_string().contains("lisen"));
        let mut config = Config {
            time_zone: "Mars/Olympus".into(),
            ..Config::default()
        };
        let err = config.validate().unwrap_err();
        assert!(err.to_string().starts_with("time_zone:"), "{err}");
    }

    #[test]
    fn console_keys_are_checked_and_normalised() {
        let mut short = Config {
            cookie_key: Some("too-short".into()),
            ..Config::default()
        };
        let err = short.validate().unwrap_err();
        assert!(err.to_string().starts_with("cookie_key:"), "{err}");
        let mut ok = Config {
            cookie_key: Some("x".repeat(32)),
            language: Some("zh_cn".into()),
            ..Config::default()
        };
        ok.validate().unwrap();
        assert_eq!(ok.language.as_deref(), Some("zh-CN"));
        let mut bad = Config {
            language: Some("fr".into()),
            ..Config::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .starts_with("language:")
        );
    }
}
