//! Response headers every console page carries, a second line of defence behind escaping
//! and the CSRF check:
//!
//! - the console may not be framed by another site (`frame-ancestors 'none'`,
//!   `X-Frame-Options: DENY`), so a page cannot trick a logged-in user into clicking one of
//!   its buttons (clickjacking gets round CSRF tokens);
//! - it runs only its own script and styles, from `/static` (`script-src 'self'`, no inline
//!   script or handler), so markup that ever slipped past escaping could not run;
//! - browsers take the content type as sent (`nosniff`) and send no page addresses, which
//!   carry ids and filters, to other sites (`Referrer-Policy: same-origin`).

use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::response::Response;

/// The console's content security policy: its own files only, never framed.
pub const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// Middleware (`map_response`): adds the headers above to a console response.
pub async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}
