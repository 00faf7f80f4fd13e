//! Extractors whose rejections go through [`crate::Error`].
//!
//! axum's own `Json`, `Query` and `Path` answer a client mistake with plain text (or a 415 /
//! 422) in their own words. REST v1 promises one error shape, a 400
//! `{"error":"validation","field":…,"message":…}` that names what to fix, so these wrappers
//! parse with `serde_path_to_error` (which knows the offending key) and convert once.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// A JSON object request body. Unlike `axum::Json` it does not insist on a `Content-Type`
/// header (curl users forget it), and a bad body names the offending field.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let OptionalJson(value) = OptionalJson::from_request(req, state).await?;
        value
            .map(ApiJson)
            .ok_or_else(|| Error::validation("body", "a JSON body is required"))
    }
}

/// Like [`ApiJson`], for requests whose body may be left out (`None`).
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionalJson<T>(pub Option<T>);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(Bytes::from_request(req, state).await)?;
        // serde reads a struct from an array too, which would name a field "[1]".
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            None => Ok(OptionalJson(None)),
            Some(b'{') => parse_json(&bytes).map(|v| OptionalJson(Some(v))),
            Some(_) => Err(Error::validation("body", "expected a JSON object")),
        }
    }
}

/// The body as read by axum's `Bytes` extractor, its rejection in our error shape: a body
/// over the route's `DefaultBodyLimit` is a 413 (the client must send less, not fix a
/// field), any other failure to read it a 400 on `body`.
pub fn body_bytes(read: Result<Bytes, BytesRejection>) -> Result<Bytes, Error> {
    read.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            Error::TooLarge(format!("request body too large: {}", e.body_text()))
        }
        _ => Error::validation("body", e.body_text()),
    })
}

/// Parses a JSON body; errors name the JSON path of the bad value (`"body"` for syntax).
///
/// A body is parsed plainly first, and only a body that fails is parsed again with
/// `serde_path_to_error` to name the bad value: tracking the path copies every key of every
/// object read, which for the executors' result callbacks (every run's result comes through
/// here) was a third of the cost of reading them (BENCHMARKS.md "What was changed" 16).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::validation("body", "a JSON body is required"));
    }
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = field_of(e.path(), &e.inner().to_string());
        json_error(field, e.into_inner())
    })?;
    de.end().map_err(|e| json_error("body".to_string(), e))?;
    Ok(value)
}

fn json_error(field: String, inner: serde_json::Error) -> Error {
    let message = if inner.is_syntax() || inner.is_eof() {
        format!("malformed JSON: {inner}")
    } else {
        strip_position(&inner.to_string())
    };
    Error::validation(field, message)
}

/// Query parameters. Unknown parameters are refused rather than ignored, so a misspelt
/// filter does not silently return everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

/// Parses a query string; a NUL anywhere is refused, and errors name the parameter
/// (`"query"` when none can be named). The console's pages parse theirs with it too.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Error> {
    refuse_nul(query)?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let message = e.inner().to_string();
        let field = match field_of(e.path(), &message) {
            f if f == "body" => "query".to_string(),
            f => f,
        };
        Error::validation(field, message)
    })
}

/// SQLite ends a LIKE pattern at a NUL character, so a filter holding one would match every
/// row; no stored name or description is searched for with one, so it is refused.
fn refuse_nul(query: &str) -> Result<(), Error> {
    match form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| v.contains('\0') || k.contains('\0'))
    {
        // A parameter without a usable name is named by where it is: the query.
        Some((key, _)) if key.is_empty() || key.contains('\0') => Err(Error::validation(
            "query",
            "must not contain a NUL character",
        )),
        Some((key, _)) => Err(Error::validation(
            key.into_owned(),
            "must not contain a NUL character",
        )),
        None => Ok(()),
    }
}

/// A numeric id in the path, e.g. `/jobs/{id}`.
#[derive(Debug, Clone, Copy)]
pub struct ApiId<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiId<T>
where
    S: Send + Sync,
    T: std::str::FromStr + Send,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| Error::validation("id", e.body_text()))?;
        raw.parse::<T>()
            .map(ApiId)
            .map_err(|_| Error::validation("id", format!("`{raw}` is not a valid id")))
    }
}

/// `a.b[0]` → `"a.b[0]"`. serde reports a missing field at its parent, so for the root the
/// name comes from the message ("missing field `conf`"); any other root problem → `"body"`.
fn field_of(path: &serde_path_to_error::Path, message: &str) -> String {
    match path.to_string() {
        p if p == "." || p == "?" || p.is_empty() => message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .unwrap_or("body")
            .to_string(),
        p => p,
    }
}

/// serde_json appends " at line 1 column 42", which means nothing to a caller who did not
/// write the JSON by hand; the field name says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
