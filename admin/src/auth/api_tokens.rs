//! Personal REST v1 tokens: created in the console (shown once), listed, revoked, and
//! checked on every REST v1 call that does not carry one of the config's `api_tokens`.
//!
//! A token is 32 random bytes in base64url (43 characters). Only its SHA-256 hex is
//! stored: with that much entropy a slow password hash buys nothing, and a fast one lets
//! every request be looked up by an index instead of checked against every row. The first
//! [`PREFIX_LEN`] characters are kept in clear so a list can show which token is which.
//!
//! A token acts as its owner: an admin's token may do everything REST v1 offers; a normal
//! user's token is read-only (see [`Caller`]), because REST v1 has no per-group
//! permission model yet.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDateTime, TimeDelta};
use sha2::{Digest, Sha256};

use super::password::hex;
use crate::error::{Error, Result};
use crate::store::{ApiToken, NewApiToken, Store, User};

/// Characters of a token kept in clear for display.
pub const PREFIX_LEN: usize = 8;
/// Bounds of a token's name.
pub const NAME_LEN: std::ops::RangeInclusive<usize> = 1..=64;
/// `last_used_at` is written at most this often per token.
pub const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// Who a REST v1 request authenticated as.
#[derive(Debug, Clone)]
pub enum Caller {
    /// One of the config's `api_tokens`: full access.
    Config,
    /// A personal token and the user it acts as.
    User(Box<User>),
}

impl Caller {
    /// Whether the caller may use REST v1: config tokens and admins' tokens may. REST v1
    /// is not scoped to executor groups yet, so a normal user's token would read groups the
    /// console hides from that user; it is refused until REST v1 learns group scopes.
    pub fn may_use_rest(&self) -> bool {
        match self {
            Caller::Config => true,
            Caller::User(user) => user.is_admin(),
        }
    }
}

/// A new random token (base64url, no padding).
pub fn generate() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token: SHA-256, lower-case hex.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Creates a token named `name` for `owner_id` and returns its id and the token, which is
/// never shown again. Admins create tokens for anyone, users only for themselves.
pub async fn create(
    store: &dyn Store,
    actor: &User,
    owner_id: i32,
    name: &str,
    now: NaiveDateTime,
) -> Result<(i32, String)> {
    if owner_id != actor.id && !actor.is_admin() {
        return Err(Error::Forbidden(
            "only admins create tokens for other users".into(),
        ));
    }
    let name = name.trim();
    if !NAME_LEN.contains(&name.chars().count()) {
        return Err(Error::validation(
            "name",
            format!(
                "must be {} to {} characters",
                NAME_LEN.start(),
                NAME_LEN.end()
            ),
        ));
    }
    if owner_id != actor.id && store.get_user(owner_id).await?.is_none() {
        return Err(Error::validation("user_id", "no such user"));
    }
    let token = generate();
    let id = store
        .insert_api_token(&NewApiToken {
            user_id: owner_id,
            name: name.to_string(),
            token_hash: hash(&token),
            prefix: token.chars().take(PREFIX_LEN).collect(),
            created_at: now,
        })
        .await?;
    tracing::info!(token = id, owner = owner_id, by = %actor.username, "API token created");
    Ok((id, token))
}

/// The tokens `actor` may see: every token for admins, their own for users.
pub async fn list(store: &dyn Store, actor: &User) -> Result<Vec<ApiToken>> {
    let owner = (!actor.is_admin()).then_some(actor.id);
    store.list_api_tokens(owner).await
}

/// Revokes a token of `actor` (or any token, for admins). Revoking twice is a no-op.
pub async fn revoke(store: &dyn Store, actor: &User, id: i32, now: NaiveDateTime) -> Result<()> {
    let token = store
        .get_api_token(id)
        .await?
        .filter(|t| actor.is_admin() || t.user_id == actor.id)
        .ok_or_else(|| Error::NotFound(format!("API token {id}")))?;
    if store.revoke_api_token(token.id, now).await? {
        tracing::info!(token = id, by = %actor.username, "API token revoked");
    }
    Ok(())
}

/// Revokes every token of user `user_id` (the user is being deleted: its tokens already
/// authenticate nothing, and must stay so should the database reuse the id).
pub async fn revoke_all_of(store: &dyn Store, user_id: i32, now: NaiveDateTime) -> Result<()> {
    for token in store.list_api_tokens(Some(user_id)).await? {
        if token.revoked_at.is_none() {
            store.revoke_api_token(token.id, now).await?;
        }
    }
    Ok(())
}

/// The user a bearer `token` acts as, if it is an unrevoked token of an existing user.
/// Records the use (at most once per [`TOUCH_EVERY`]).
pub async fn authenticate(
    store: &dyn Store,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<User>> {
    let Some(row) = store.find_active_api_token(&hash(token)).await? else {
        return Ok(None);
    };
    let Some(user) = store.get_user(row.user_id).await? else {
        return Ok(None);
    };
    let stale_before = now - TOUCH_EVERY;
    if row.last_used_at.is_none_or(|last| last < stale_before) {
        store.touch_api_token(row.id, now, stale_before).await?;
    }
    Ok(Some(user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_hash_to_hex() {
        let token = generate();
        assert_eq!(token.len(), 43);
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(token, generate());
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
