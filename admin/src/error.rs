//! The admin's one error type, and its one mapping to an HTTP response.
//!
//! Every layer (config, store, schedule, dispatch, api) returns [`Error`]; handlers never
//! build error responses by hand. Client mistakes map to 4xx with a JSON body that names the
//! field; only faults of our own (database down, a bug) become 500, and their details go to
//! the log rather than to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Result with the admin's error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the admin.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Client input is invalid; `field` names the offending input.
    #[error("{field}: {message}")]
    Validation {
        /// The field (JSON key, query parameter or config key) that is wrong.
        field: String,
        /// What is wrong with it, in words a user can act on.
        message: String,
    },
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The request conflicts with the current state (duplicate name, group still in use…).
    #[error("{0}")]
    Conflict(String),
    /// The request body is larger than the route accepts; `{0}` says what the limit is.
    #[error("{0}")]
    TooLarge(String),
    /// No or bad credentials.
    #[error("unauthorized")]
    Unauthorized,
    /// No or bad credentials, with what the client must do about it (e.g. "configure
    /// `api_tokens`"), so a 401 is never a dead end.
    #[error("{0}")]
    AuthRequired(String),
    /// Credentials are fine but do not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The configuration cannot be used.
    #[error("configuration: {0}")]
    Config(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Talking to an executor failed.
    #[error("executor call: {0}")]
    Executor(String),
    /// File or socket I/O failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// A bug or an impossible state; details are logged, not shown.
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    /// A validation error for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status this error maps to.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized | Self::AuthRequired(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Executor(_) => StatusCode::BAD_GATEWAY,
            Self::Config(_)
            | Self::Database(_)
            | Self::Migrate(_)
            | Self::Io(_)
            | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for Error {
    /// A value the database refuses as too long is the client's mistake, not ours: XXL-JOB
    /// 2.x databases keep narrow columns (e.g. `xxl_job_group.title VARCHAR(12)`), so the
    /// limit is the database's and is reported as a validation error on that column.
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.code().as_deref() == Some("22001")
        {
            let column = db
                .message()
                .split('\'')
                .nth(1)
                .unwrap_or("value")
                .to_string();
            return Self::validation(column, "too long for this database's column");
        }
        Self::Database(error)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            Self::Validation { field, message } => {
                json!({ "error": "validation", "field": field, "message": message })
            }
            _ if status.is_server_error() => {
                tracing::error!(error = %self, "request failed");
                json!({ "error": "internal", "message": "internal error; see the admin's log" })
            }
            _ => json!({ "error": error_kind(&self), "message": self.to_string() }),
        };
        (status, axum::Json(body)).into_response()
    }
}

fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Validation { .. } => "validation",
        Error::NotFound(_) => "not_found",
        Error::Conflict(_) => "conflict",
        Error::TooLarge(_) => "too_large",
        Error::Unauthorized | Error::AuthRequired(_) => "unauthorized",
        Error::Forbidden(_) => "forbidden",
        Error::Executor(_) => "executor",
        _ => "internal",
    }
}
