//! Cross-site request forgery protection for the console.
//!
//! A page that changes state must come from a form or script that could read the session's
//! token, which a foreign site cannot: the token is the session nonce ([`Session::nonce`]),
//! rendered into every form as the hidden field [`FIELD`] and sent by `fetch` calls in the
//! [`HEADER`] header. [`require_token`] checks it on every request that is not GET, HEAD or
//! OPTIONS, before any handler runs, so a new form cannot forget it. The cookie itself is
//! `SameSite=Lax`, a second line of defence for browsers that honour it.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use subtle::ConstantTimeEq;

use super::session::{CookieSettings, Session};
use crate::error::{Error, Result};

/// Hidden form field carrying the token.
pub const FIELD: &str = "_csrf";
/// Request header carrying the token (for `fetch`).
pub const HEADER: &str = "x-csrf-token";
/// Largest body the console accepts, the check buffers and handlers read (a GLUE script is
/// the biggest thing a form sends); a larger one is refused with 413.
pub const MAX_FORM_BYTES: usize = 4 * 1024 * 1024;

/// Checks a presented token against the session's, in constant time.
pub fn verify(session: Option<&Session>, presented: Option<&str>) -> Result<()> {
    let (Some(session), Some(presented)) = (session, presented) else {
        return Err(forbidden());
    };
    let same: bool = session.nonce.as_bytes().ct_eq(presented.as_bytes()).into();
    if same { Ok(()) } else { Err(forbidden()) }
}

fn forbidden() -> Error {
    Error::Forbidden(
        "the form expired or came from another site; reload the page and try again".into(),
    )
}

/// Middleware: lets safe methods through and requires a valid token on all others. A form
/// body is buffered to read [`FIELD`] and handed on unchanged.
pub async fn require_token(
    State(settings): State<CookieSettings>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let jar = PrivateCookieJar::from_headers(request.headers(), settings.key.clone());
    let session = Session::from_jar(&jar, crate::time::now_ms());
    if let Some(token) = request.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return match verify(session.as_ref(), Some(token)) {
            Ok(()) => next.run(request).await,
            Err(e) => e.into_response(),
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return forbidden().into_response();
    }
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Error::TooLarge(format!(
                "the form is larger than the console accepts ({MAX_FORM_BYTES} bytes)"
            ))
            .into_response();
        }
    };
    let token = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned());
    match verify(session.as_ref(), token.as_deref()) {
        Ok(()) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_sessions_own_nonce_passes() {
        let session = Session::anonymous();
        assert!(verify(Some(&session), Some(&session.nonce)).is_ok());
        assert!(verify(Some(&session), Some(&Session::anonymous().nonce)).is_err());
        assert!(verify(Some(&session), Some("")).is_err());
        assert!(verify(Some(&session), None).is_err());
        assert!(verify(None, Some(&session.nonce)).is_err());
    }
}
