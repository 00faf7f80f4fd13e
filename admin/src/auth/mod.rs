//! Who may use the console: password hashes, the session cookie, CSRF tokens and login rate
//! limiting.
//!
//! Nothing here renders pages or writes SQL: the console (`web`) calls these pieces and the
//! [`crate::store::Store`] keeps the users. The model is XXL-JOB 3.2+'s, hardened: a session
//! is the user id plus the user's signature (`xxl_job_user.token`), sealed in an encrypted
//! cookie whose key the whole cluster shares; passwords are argon2id, with XXL-JOB's MD5 and
//! SHA-256 hashes accepted once and replaced.

pub mod api_tokens;
pub mod csrf;
pub mod password;
pub mod rate_limit;
pub mod session;
pub mod users;

use std::sync::Arc;

pub use rate_limit::LoginLimiter;
pub use session::{CookieSettings, Login, Session};

use crate::config::Config;

/// The console's authentication state, built once at start and shared by handlers.
#[derive(Clone)]
pub struct Auth {
    /// How session cookies are sealed.
    pub cookies: CookieSettings,
    /// Recent login failures.
    pub limiter: Arc<LoginLimiter>,
}

impl Auth {
    /// From the configuration (warns when no `cookie_key` is configured).
    pub fn from_config(config: &Config) -> Self {
        Self {
            cookies: CookieSettings::from_config(config),
            limiter: Arc::new(LoginLimiter::new()),
        }
    }
}
