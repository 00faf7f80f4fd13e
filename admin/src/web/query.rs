//! The query string of a console page, parsed as REST v1 parses its own
//! ([`crate::api::extract::parse_query`]): a mistake is a 400 page in the viewer's language
//! that names the parameter, instead of axum's plain-text reply.
//!
//! That includes a NUL character in any parameter. SQLite ends a LIKE pattern at a NUL, so
//! `/jobs?desc=x%00` would otherwise list every job of the group, whatever the rest said.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::WebState;
use super::error::HtmlError;
use super::i18n::Lang;
use crate::api::extract::parse_query;

/// A page's query parameters; see the module documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<WebState> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        parse_query(parts.uri.query().unwrap_or_default())
            .map(PageQuery)
            .map_err(|error| {
                let config = &state.app.config;
                let lang = Lang::choose(config.language.as_deref(), &parts.headers);
                HtmlError::new(error, lang, &config.context_path).into_response()
            })
    }
}
