//! Errors as HTML pages. A user's mistake is a 4xx page that says what was wrong (form
//! mistakes are shown next to their field instead, by the form's own handler); only our own
//! faults are 500, with details in the log.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use super::i18n::Lang;
use crate::error::Error;

/// An [`Error`] rendered as a console page.
pub struct HtmlError {
    error: Error,
    lang: Lang,
    base: String,
}

impl HtmlError {
    /// `error` in `lang`, with links under `base`.
    pub fn new(error: Error, lang: Lang, base: &str) -> Self {
        Self {
            error,
            lang,
            base: base.to_string(),
        }
    }
}

impl From<Error> for HtmlError {
    fn from(error: Error) -> Self {
        Self::new(error, Lang::En, "")
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: Lang,
    base: &'a str,
    title: &'a str,
    message: String,
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        let status = self.error.status();
        let (title, message) = if status.is_server_error() {
            tracing::error!(error = %self.error, "console request failed");
            (
                self.lang.t("error.title"),
                "internal error; see the admin's log".to_string(),
            )
        } else {
            let title = match &self.error {
                Error::Forbidden(_) => self.lang.t("error.forbidden"),
                Error::NotFound(_) => self.lang.t("error.not_found"),
                _ => self.lang.t("error.title"),
            };
            (title, self.error.to_string())
        };
        let page = ErrorPage {
            lang: self.lang,
            base: &self.base,
            title,
            message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page did not render");
                status.into_response()
            }
        }
    }
}
