//! `/api/v1/report`: per-day running, success and failure counts (the dashboard's data).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::api::extract::ApiQuery;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::reports::{self, Report};
use crate::time::now_naive;

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new().route("/report", get(report))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `from` and `to` are `yyyy-MM-dd` (admin zone); both default to today, `from` to a week
/// before `to`.
async fn report(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<Report>> {
    let to = match q.to {
        Some(to) => date("to", &to)?,
        None => now_naive(state.tz).date(),
    };
    let from = match q.from {
        Some(from) => date("from", &from)?,
        None => to - chrono::Duration::days(6),
    };
    Ok(Json(reports::between(&state, from, to).await?))
}

fn date(field: &str, value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| Error::validation(field, format!("`{value}` is not a yyyy-MM-dd date")))
}
