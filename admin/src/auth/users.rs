//! Console users: logging in and out, the first admin, password changes, and the admin's
//! user management, with XXL-JOB's rules (PROTOCOL.md §8.2, §8.3).
//!
//! Everything here goes through the [`Store`]; handlers only parse and render. Wrong
//! usernames and wrong passwords get the same answer, after the same argon2 work, so the
//! login form does not reveal which usernames exist.

use std::net::IpAddr;
use tokio::sync::OnceCell;

use super::password::{self, Verdict};
use super::rate_limit::LoginLimiter;
use super::session::{Session, random_token};
use crate::error::{Error, Result};
use crate::store::{NewUser, Page, ROLE_ADMIN, ROLE_NORMAL, Store, User, UserFilter};

/// Name of the account created on first start.
pub const FIRST_ADMIN: &str = "admin";
/// Username length bounds (XXL-JOB's UI: 4..20).
pub const USERNAME_LEN: std::ops::RangeInclusive<usize> = 4..=20;
/// Password length bounds. XXL-JOB allows 4..20; we ask for 6 at least and allow long
/// passphrases (argon2 takes any length).
pub const PASSWORD_LEN: std::ops::RangeInclusive<usize> = 6..=128;

/// Creates [`FIRST_ADMIN`] with a random password when the database has no user at all,
/// and prints the password once on stdout. Returns it (tests log in with it).
pub async fn ensure_first_admin(store: &dyn Store) -> Result<Option<String>> {
    let (_, total) = store
        .list_users(
            &UserFilter::default(),
            Page {
                offset: 0,
                limit: 1,
            },
        )
        .await?;
    if total > 0 {
        return Ok(None);
    }
    let secret = password::generate();
    let created = store
        .insert_user(&NewUser {
            username: FIRST_ADMIN.into(),
            password: password::hash(&secret).await?,
            role: ROLE_ADMIN,
            permission: None,
        })
        .await;
    match created {
        Ok(_) => {}
        // Another admin of the cluster created it first: its start printed the password.
        Err(Error::Conflict(_)) => return Ok(None),
        Err(e) => return Err(e),
    }
    println!(
        "\n  Jobwheel console: created user `{FIRST_ADMIN}` with password `{secret}`\n  \
         (shown only this once; change it under Account after logging in)\n"
    );
    tracing::warn!(
        user = FIRST_ADMIN,
        "first start: created the console admin; its generated password was printed on stdout"
    );
    Ok(Some(secret))
}

/// Checks a login, rehashing a legacy or outdated hash, and returns the user and its new
/// session. Refused while [`LoginLimiter`] says the username and address must wait.
pub async fn login(
    store: &dyn Store,
    limiter: &LoginLimiter,
    username: &str,
    secret: &str,
    ip: IpAddr,
    now_ms: i64,
) -> Result<(User, Session)> {
    let username = username.trim();
    if let Err(wait) = limiter.check(username, ip) {
        return Err(Error::validation(
            "password",
            format!(
                "too many failed logins; try again in {} minute(s)",
                wait.as_secs().div_ceil(60).max(1)
            ),
        ));
    }
    let user = store.get_user_by_username(username).await?;
    let verdict = match &user {
        Some(user) => password::verify(secret, &user.password).await?,
        None => {
            // Same work as a real check, so timing does not tell unknown users apart.
            password::verify(secret, dummy_hash().await).await?;
            Verdict::Invalid
        }
    };
    let Some(mut user) = user.filter(|_| verdict.accepted()) else {
        limiter.failed(username, ip);
        return Err(Error::validation("password", "wrong username or password"));
    };
    limiter.succeeded(username, ip);
    if verdict == Verdict::Rehash {
        user.password = password::hash(secret).await?;
        store
            .set_user_password(user.id, &user.password, user.token.as_deref())
            .await?;
        tracing::info!(user = %user.username, "password rehashed with argon2");
    }
    // Browsers of one user share its signature, so logging in on a second machine keeps the
    // first logged in; logging out (which clears it) ends them all.
    let signature = match user.token.clone().filter(|t| !t.is_empty()) {
        Some(existing) => existing,
        None => {
            let fresh = random_token();
            store.set_user_token(user.id, Some(&fresh)).await?;
            user.token = Some(fresh.clone());
            fresh
        }
    };
    let session = Session::logged_in(user.id, &signature, now_ms);
    Ok((user, session))
}

/// The user a session belongs to, if its login is still valid: the user exists and its
/// signature is the one in the database (compared in constant time).
pub async fn authenticate(store: &dyn Store, session: &Session) -> Result<Option<User>> {
    let Some(login) = &session.login else {
        return Ok(None);
    };
    let Some(user) = store.get_user(login.user_id).await? else {
        return Ok(None);
    };
    let current = user.token.as_deref().unwrap_or_default();
    let same: bool =
        subtle::ConstantTimeEq::ct_eq(current.as_bytes(), login.signature.as_bytes()).into();
    Ok((same && !current.is_empty()).then_some(user))
}

/// Ends every session of `user` (XXL-JOB clears the token column the same way).
pub async fn logout(store: &dyn Store, user: &User) -> Result<()> {
    store.set_user_token(user.id, None).await?;
    Ok(())
}

/// Changes the user's own password after checking the old one; every other session of the
/// user ends, and the returned session (with the new signature) keeps this browser in.
pub async fn change_password(
    store: &dyn Store,
    user: &User,
    old: &str,
    new: &str,
    now_ms: i64,
) -> Result<Session> {
    if !password::verify(old, &user.password).await?.accepted() {
        return Err(Error::validation(
            "old_password",
            "the current password is wrong",
        ));
    }
    check_password("password", new)?;
    let signature = random_token();
    store
        .set_user_password(user.id, &password::hash(new).await?, Some(&signature))
        .await?;
    Ok(Session::logged_in(user.id, &signature, now_ms))
}

/// What an admin types to create or change a user.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserInput {
    /// Username (create only; it cannot change afterwards, as in XXL-JOB).
    #[serde(default)]
    pub username: String,
    /// New password; blank on update keeps the old one.
    #[serde(default)]
    pub password: String,
    /// [`ROLE_NORMAL`] or [`ROLE_ADMIN`].
    #[serde(default)]
    pub role: i8,
    /// Group ids a normal user may operate.
    #[serde(default)]
    pub groups: Vec<i32>,
}

impl UserInput {
    fn permission(&self) -> Option<String> {
        if self.role == ROLE_ADMIN || self.groups.is_empty() {
            return None;
        }
        let mut ids = self.groups.clone();
        ids.sort_unstable();
        ids.dedup();
        Some(ids.iter().map(i32::to_string).collect::<Vec<_>>().join(","))
    }

    fn check_role(&self) -> Result<()> {
        if self.role == ROLE_NORMAL || self.role == ROLE_ADMIN {
            Ok(())
        } else {
            Err(Error::validation("role", "must be 0 (user) or 1 (admin)"))
        }
    }
}

/// Creates a user (admins only; the caller checks the role).
pub async fn create(store: &dyn Store, input: &UserInput) -> Result<i32> {
    let username = input.username.trim();
    let length = username.chars().count();
    if !USERNAME_LEN.contains(&length) {
        return Err(Error::validation(
            "username",
            format!(
                "must be {} to {} characters",
                USERNAME_LEN.start(),
                USERNAME_LEN.end()
            ),
        ));
    }
    if !username
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
    {
        return Err(Error::validation(
            "username",
            "only letters, digits and _ - . @ are allowed",
        ));
    }
    input.check_role()?;
    check_password("password", &input.password)?;
    store
        .insert_user(&NewUser {
            username: username.to_string(),
            password: password::hash(&input.password).await?,
            role: input.role,
            permission: input.permission(),
        })
        .await
        .map_err(|e| match e {
            Error::Conflict(_) => Error::validation("username", "this username is taken"),
            e => e,
        })
}

/// Changes a user's role, groups and (when given) password. Nobody edits themselves here:
/// an admin could otherwise demote the last admin by accident (XXL-JOB's rule).
pub async fn update(store: &dyn Store, actor: &User, id: i32, input: &UserInput) -> Result<()> {
    if actor.id == id {
        return Err(Error::Forbidden(
            "you cannot change your own account here; use Account to change your password".into(),
        ));
    }
    input.check_role()?;
    let user = store
        .get_user(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("user {id}")))?;
    if !input.password.is_empty() {
        check_password("password", &input.password)?;
        // A new password ends the user's sessions.
        store
            .set_user_password(user.id, &password::hash(&input.password).await?, None)
            .await?;
    }
    store
        .update_user(user.id, input.role, input.permission().as_deref())
        .await?;
    Ok(())
}

/// Deletes a user other than `actor`.
pub async fn delete(store: &dyn Store, actor: &User, id: i32) -> Result<()> {
    if actor.id == id {
        return Err(Error::Forbidden("you cannot delete yourself".into()));
    }
    if !store.delete_user(id).await? {
        return Err(Error::NotFound(format!("user {id}")));
    }
    Ok(())
}

fn check_password(field: &str, secret: &str) -> Result<()> {
    let length = secret.chars().count();
    if PASSWORD_LEN.contains(&length) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!(
                "must be {} to {} characters",
                PASSWORD_LEN.start(),
                PASSWORD_LEN.end()
            ),
        ))
    }
}

/// An argon2 hash of nothing in particular, for equal-time failures.
async fn dummy_hash() -> &'static str {
    static DUMMY: OnceCell<String> = OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            password::hash("jobwheel-no-such-user")
                .await
                .unwrap_or_default()
        })
        .await
}
