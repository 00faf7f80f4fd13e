//! One file per console page (or group of pages of one resource), plus the small helpers
//! they share: form bodies, field errors, paging.

pub mod account;
pub mod api_tokens;
pub mod dashboard;
pub mod glue;
pub mod groups;
pub mod help;
pub mod jobs;
pub mod login;
pub mod logs;
pub mod preview;
pub mod users;

use std::collections::HashMap;

use axum::response::{Html, IntoResponse, Response};

use super::error::HtmlError;
use crate::error::Error;

/// A form body as `name → values` (checkbox groups repeat a name).
#[derive(Debug, Default)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    /// Parses `application/x-www-form-urlencoded` bytes.
    pub fn parse(bytes: &[u8]) -> Self {
        Self(form_urlencoded::parse(bytes).into_owned().collect())
    }

    /// The first value of `name`, or blank.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Validation messages by field, shown next to each field.
#[derive(Debug, Default)]
pub struct FieldErrors(HashMap<String, String>);

impl FieldErrors {
    /// The message of `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Moves a validation error into the map; any other error is returned as it is.
    pub fn absorb(&mut self, error: Error) -> Result<(), Error> {
        match error {
            Error::Validation { field, message } => {
                self.0.insert(field, message);
                Ok(())
            }
            other => Err(other),
        }
    }
}

/// Paging of a list page (`?page=N`, 20 rows a page).
pub struct Pager {
    /// 1-based page shown.
    pub page: i64,
    /// Pages in all (at least 1).
    pub pages: i64,
    /// Rows in all.
    pub total: i64,
    /// Link of the previous page.
    pub prev: Option<String>,
    /// Link of the next page.
    pub next: Option<String>,
}

/// Rows per list page.
pub const PAGE_SIZE: i64 = 20;

impl Pager {
    /// The store's page for a 1-based `page`.
    pub fn window(page: Option<i64>) -> crate::store::Page {
        let page = page.unwrap_or(1).max(1);
        crate::store::Page {
            offset: (page - 1).saturating_mul(PAGE_SIZE),
            limit: PAGE_SIZE,
        }
    }

    /// Links for `page` of `total` rows; `query` is the rest of the query string (filters).
    pub fn new(page: Option<i64>, total: i64, query: &str) -> Self {
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let page = page.unwrap_or(1).clamp(1, pages);
        let link = |p: i64| {
            if query.is_empty() {
                format!("?page={p}")
            } else {
                format!("?{query}&page={p}")
            }
        };
        Self {
            page,
            pages,
            total,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// Renders a template, or an error page when rendering fails.
pub fn render(template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => HtmlError::from(Error::Internal(format!("template: {e}"))).into_response(),
    }
}

/// A number-or-blank filter of a list page: blank is `None`. Anything else must parse, so
/// a filter that is not a number is refused instead of silently widening to "all".
pub fn optional_number<T: std::str::FromStr>(
    field: &str,
    text: &str,
) -> std::result::Result<Option<T>, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| Error::validation(field, format!("`{text}` is not a number")))
}

/// A query string of non-blank `(name, value)` pairs, for paging links.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish()
}
