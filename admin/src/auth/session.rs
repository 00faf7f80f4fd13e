//! The console session: one encrypted cookie, readable by every admin of a cluster.
//!
//! The cookie is encrypted and authenticated (AES-GCM, via `axum-extra`'s private jar) with
//! a key derived from the configured `cookie_key`, so any admin behind a load balancer
//! accepts a session another one issued, and no client can read or forge one. It holds:
//!
//! - a random **nonce**, present even before login: it is the CSRF token of the browser
//!   ([`super::csrf`]), and it is replaced at login and logout;
//! - once logged in, the **user id**, the user's **signature** and an **expiry** (7 days).
//!
//! The signature is the value of `xxl_job_user.token`, as in XXL-JOB 3.2+: every request
//! compares it with the row, so clearing or replacing the column (logout, password change,
//! an admin editing the user) revokes every session of that user at once, on every admin.

use std::time::Duration;

use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SameSite};

use crate::config::Config;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "jobwheel_session";

/// How long a login lasts (XXL-JOB's `xxl-sso.token.timeout`, 7 days).
pub const LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Format tag of the cookie payload, so a later format can tell old cookies apart.
const VERSION: &str = "v1";

/// What the session cookie says about the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Random per-browser value; the CSRF token.
    pub nonce: String,
    /// The logged-in user, if any (not yet checked against the database).
    pub login: Option<Login>,
}

/// A login claim carried by the cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// `xxl_job_user.id`.
    pub user_id: i32,
    /// Must equal `xxl_job_user.token` for the session to count.
    pub signature: String,
    /// Epoch ms after which the login is void even if the browser still sends it.
    pub expires_ms: i64,
}

impl Session {
    /// A fresh anonymous session.
    pub fn anonymous() -> Self {
        Self {
            nonce: random_token(),
            login: None,
        }
    }

    /// A logged-in session with a new nonce (a fixed pre-login token is never kept across
    /// a login).
    pub fn logged_in(user_id: i32, signature: &str, now_ms: i64) -> Self {
        Self {
            nonce: random_token(),
            login: Some(Login {
                user_id,
                signature: signature.to_string(),
                expires_ms: now_ms + LIFETIME.as_millis() as i64,
            }),
        }
    }

    /// The session in `jar`, with an expired login dropped; `None` when there is no valid
    /// cookie (missing, forged, encrypted with another key, or malformed).
    pub fn from_jar(jar: &PrivateCookieJar, now_ms: i64) -> Option<Self> {
        let cookie = jar.get(COOKIE_NAME)?;
        let mut session = Self::decode(cookie.value())?;
        if session
            .login
            .as_ref()
            .is_some_and(|l| l.expires_ms <= now_ms)
        {
            session.login = None;
        }
        Some(session)
    }

    /// `v1|nonce|user_id|signature|expires_ms`, the last three empty when anonymous.
    fn encode(&self) -> String {
        match &self.login {
            Some(l) => format!(
                "{VERSION}|{}|{}|{}|{}",
                self.nonce, l.user_id, l.signature, l.expires_ms
            ),
            None => format!("{VERSION}|{}|||", self.nonce),
        }
    }

    fn decode(value: &str) -> Option<Self> {
        let mut parts = value.split('|');
        let (version, nonce, user, signature, expires) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if version != VERSION || nonce.is_empty() || parts.next().is_some() {
            return None;
        }
        let login = if user.is_empty() {
            None
        } else {
            Some(Login {
                user_id: user.parse().ok()?,
                signature: signature.to_string(),
                expires_ms: expires.parse().ok()?,
            })
        };
        Some(Self {
            nonce: nonce.to_string(),
            login,
        })
    }
}

/// How session cookies are sealed and shaped.
#[derive(Clone)]
pub struct CookieSettings {
    /// Encryption key, shared by the cluster when configured.
    pub key: Key,
    /// Send `Secure` (HTTPS only).
    pub secure: bool,
    /// Cookie path: the context path, or `/`.
    pub path: String,
}

impl CookieSettings {
    /// Settings from the configuration. Without `cookie_key` a random key is made and a
    /// warning logged: sessions then end at restart and only this admin accepts them.
    pub fn from_config(config: &Config) -> Self {
        let key = match &config.cookie_key {
            Some(secret) => key_from_secret(secret),
            None => {
                tracing::warn!(
                    "no cookie_key configured: using a random one, so console sessions end when this admin restarts and other admins of a cluster will not accept them; set JOBWHEEL_COOKIE_KEY (32+ characters) to the same value on every admin"
                );
                Key::generate()
            }
        };
        let path = if config.context_path.is_empty() {
            "/".to_string()
        } else {
            config.context_path.clone()
        };
        Self {
            key,
            secure: config.cookie_secure,
            path,
        }
    }

    /// The cookie that stores `session`: HttpOnly, SameSite=Lax, `Secure` when configured;
    /// a logged-in session lives for [`LIFETIME`], an anonymous one for the browser session.
    pub fn cookie(&self, session: &Session) -> Cookie<'static> {
        let mut builder = Cookie::build((COOKIE_NAME, session.encode()))
            .path(self.path.clone())
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure);
        if session.login.is_some() {
            builder = builder.max_age(cookie::time::Duration::seconds(LIFETIME.as_secs() as i64));
        }
        builder.build()
    }
}

/// A 512-bit cookie key from a configured secret of any length ≥ 32 characters: SHA-512 of
/// it, so every admin derives the same key from the same string.
pub fn key_from_secret(secret: &str) -> Key {
    use sha2::{Digest, Sha512};
    // SHA-512 gives exactly the 64 bytes `Key::from` requires.
    Key::from(&Sha512::digest(secret.as_bytes())[..])
}

/// 32 random bytes as 64 hex digits: nonces and user signatures.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    super::password::hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, header};

    /// Seals `session` as admin `sealer` would answer, then reads the browser's next request
    /// (name=value of the Set-Cookie) as an admin holding `reader`.
    fn round_trip(sealer: &CookieSettings, reader: &Key, session: &Session) -> PrivateCookieJar {
        let jar = PrivateCookieJar::new(sealer.key.clone()).add(sealer.cookie(session));
        let response = axum::response::IntoResponse::into_response((jar, ()));
        let pair = response
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_string();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, pair.parse().unwrap());
        PrivateCookieJar::from_headers(&headers, reader.clone())
    }

    fn settings(secret: &str) -> CookieSettings {
        CookieSettings {
            key: key_from_secret(secret),
            secure: false,
            path: "/".into(),
        }
    }

    const SECRET: &str = "a-shared-cluster-secret-of-32-chars!";

    #[test]
    fn a_login_round_trips_through_the_encrypted_cookie() {
        let s = settings(SECRET);
        let session = Session::logged_in(7, "sig", 1_000);
        let read = Session::from_jar(&round_trip(&s, &s.key, &session), 2_000).unwrap();
        assert_eq!(read, session);
    }

    #[test]
    fn another_admin_with_the_same_secret_accepts_it_and_another_secret_does_not() {
        let a = settings(SECRET);
        let b = settings(SECRET);
        let c = settings("some-other-secret-of-thirty-two-chars");
        let session = Session::logged_in(7, "sig", 1_000);
        let read_by_b = Session::from_jar(&round_trip(&a, &b.key, &session), 2_000);
        assert_eq!(read_by_b, Some(session.clone()));
        assert!(Session::from_jar(&round_trip(&a, &c.key, &session), 2_000).is_none());
    }

    #[test]
    fn an_expired_login_reads_as_anonymous_with_its_nonce() {
        let s = settings(SECRET);
        let session = Session::logged_in(7, "sig", 0);
        let later = LIFETIME.as_millis() as i64 + 1;
        let read = Session::from_jar(&round_trip(&s, &s.key, &session), later).unwrap();
        assert_eq!(read.login, None);
        assert_eq!(read.nonce, session.nonce);
    }

    #[test]
    fn cookie_attributes() {
        let mut s = settings(SECRET);
        s.secure = true;
        s.path = "/xxl-job-admin".into();
        let cookie = s.cookie(&Session::logged_in(1, "x", 0));
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(cookie.path(), Some("/xxl-job-admin"));
        assert_eq!(
            cookie.max_age(),
            Some(cookie::time::Duration::seconds(604_800))
        );
        assert_eq!(s.cookie(&Session::anonymous()).max_age(), None);
    }

    #[test]
    fn logins_get_a_new_nonce() {
        let before = Session::anonymous();
        let after = Session::logged_in(1, "x", 0);
        assert_ne!(before.nonce, after.nonce);
        assert_eq!(after.nonce.len(), 64);
    }

    #[test]
    fn malformed_payloads_are_rejected() {
        for bad in [
            "",
            "v1",
            "v2|n|||",
            "v1||||",
            "v1|n|x|s|1",
            "v1|n|1|s|1|extra",
        ] {
            assert_eq!(Session::decode(bad), None, "{bad:?}");
        }
        assert!(Session::decode("v1|n|||").is_some());
    }
}
