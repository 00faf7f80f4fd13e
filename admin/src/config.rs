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
    /// Secret (32+ characters) from which the console's session-cookie key is derived. Set
    /// the same value on every admin of a cluster so each accepts the others' sessions;
    /// unset means a random key per start (sessions end at restart), with a warning.
    pub cookie_key: Option<String>,
    /// Mark the session cookie `Secure` (set it when the console is served over HTTPS).
    pub cookie_secure: bool,
    /// Console language, `en` or `zh-CN`; unset follows the browser's Accept-Language.
    pub language: Option<String>,
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
            cookie_key: None,
            cookie_secure: false,
            language: None,
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
    /// Secret (32+ characters) the session-cookie key is derived from; same on every admin.
    #[arg(long, env = "JOBWHEEL_COOKIE_KEY", hide_env_values = true)]
    pub cookie_key: Option<String>,
    /// Mark the session cookie Secure (console served over HTTPS).
    #[arg(long, env = "JOBWHEEL_COOKIE_SECURE")]
    pub cookie_secure: Option<bool>,
    /// Console language: en or zh-CN (default: the browser's).
    #[arg(long, env = "JOBWHEEL_LANGUAGE")]
    pub language: Option<String>,
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
            cookie_secure
        );
        if flags.access_token.is_some() {
            self.access_token = flags.access_token;
        }
        if flags.cookie_key.is_some() {
            self.cookie_key = flags.cookie_key;
        }
        if flags.language.is_some() {
            self.language = flags.language;
        }
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
