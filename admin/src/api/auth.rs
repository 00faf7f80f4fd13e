//! Bearer-token authentication of REST v1, and the constant-time comparison every token
//! check of the admin uses.
//!
//! REST v1 never accepts anonymous calls: a scheduler API that silently accepts anyone is
//! how XXL-JOB admins get taken over. A call carries either one of the config's
//! `api_tokens` (full access) or a personal token made in the console, which acts as its
//! user (admins only: REST v1 has no per-group permissions yet).

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::{Choice, ConstantTimeEq};

use crate::app::AppState;
use crate::auth::api_tokens::{self, Caller};
use crate::error::Error;

/// True when `given` equals `expected`, in time independent of where they differ (only the
/// lengths leak, which says nothing useful about a random token).
pub fn token_eq(expected: &str, given: &str) -> bool {
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// True when `given` equals any of `tokens`; every token is compared, so timing does not
/// reveal which one (or whether an early one) matched.
pub fn any_token_eq<'a>(tokens: impl IntoIterator<Item = &'a String>, given: &str) -> bool {
    tokens
        .into_iter()
        .fold(Choice::from(0), |hit, t| {
            hit | t.as_bytes().ct_eq(given.as_bytes())
        })
        .into()
}

/// Middleware: lets a request through only with `Authorization: Bearer <token>`, where the
/// token is one of the config's `api_tokens` or an unrevoked personal token (see
/// [`crate::auth::api_tokens`]). The [`Caller`] goes into the request's extensions; a
/// normal user's token is refused (403): REST v1 is not scoped to executor groups yet.
pub async fn require_bearer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let checked = match check_bearer(&state, request.headers()).await {
        Ok(caller) if caller.may_use_rest() => Ok(caller),
        Ok(_) => Err(Error::Forbidden(
            "personal tokens of non-admin users are not accepted yet: REST v1 is not scoped to executor groups".into(),
        )),
        Err(error) => Err(error),
    };
    match checked {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(error) => {
            let unauthorized = matches!(error, Error::AuthRequired(_));
            let mut response = error.into_response();
            if unauthorized {
                response
                    .headers_mut()
                    .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            response
        }
    }
}

async fn check_bearer(state: &AppState, headers: &HeaderMap) -> Result<Caller, Error> {
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = given else {
        return Err(Error::AuthRequired(
            "missing `Authorization: Bearer <token>` header; create a token under \
             Account → API tokens in the console, or set `api_tokens` in the config file \
             (JOBWHEEL_API_TOKENS)"
                .to_string(),
        ));
    };
    if any_token_eq(&state.config.api_tokens, token) {
        return Ok(Caller::Config);
    }
    let now = crate::time::now_naive(state.tz);
    match api_tokens::authenticate(state.store.as_ref(), token, now).await? {
        Some(user) => Ok(Caller::User(Box::new(user))),
        None => Err(Error::AuthRequired(
            "the bearer token is neither a configured `api_tokens` entry nor an active \
             API token"
                .to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(token_eq("secret", "secret"));
        assert!(!token_eq("secret", "secreT"));
        assert!(!token_eq("secret", "secret2"));
        assert!(!token_eq("secret", ""));
        let tokens = ["a1".to_string(), "b2".to_string()];
        assert!(any_token_eq(&tokens, "b2"));
        assert!(!any_token_eq(&tokens, "c3"));
        assert!(!any_token_eq(&[], "c3"));
    }
}
