//! Bearer-token authentication of REST v1, and the constant-time comparison every token
//! check of the admin uses.
//!
//! REST v1 is closed until tokens are configured: a scheduler API that silently accepts
//! anyone is how XXL-JOB admins get taken over, so "no tokens" means every call is a 401
//! whose message says how to open it.

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::{Choice, ConstantTimeEq};

use crate::app::AppState;
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

/// Middleware: lets a request through only with `Authorization: Bearer <one of api_tokens>`.
pub async fn require_bearer(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match check_bearer(&state, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(error) => {
            let mut response = error.into_response();
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}

fn check_bearer(state: &AppState, headers: &HeaderMap) -> Result<(), Error> {
    let tokens = &state.config.api_tokens;
    if tokens.is_empty() {
        return Err(Error::AuthRequired(
            "REST API v1 is disabled: no API token is configured; set `api_tokens` in the \
             config file or JOBWHEEL_API_TOKENS, then send `Authorization: Bearer <token>`"
                .to_string(),
        ));
    }
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    match given {
        None => Err(Error::AuthRequired(
            "missing `Authorization: Bearer <token>` header".to_string(),
        )),
        Some(token) if any_token_eq(tokens, token) => Ok(()),
        Some(_) => Err(Error::AuthRequired(
            "the bearer token is not one of the configured `api_tokens`".to_string(),
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
