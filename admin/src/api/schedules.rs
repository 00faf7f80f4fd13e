//! `/api/v1/schedules/next`: when would this schedule fire? (The console's preview.)

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::extract::ApiQuery;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::jobs;

/// At most this many fire times per preview.
const MAX_COUNT: usize = 100;

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new().route("/schedules/next", get(next))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NextQuery {
    #[serde(rename = "type")]
    schedule_type: String,
    conf: String,
    tz: Option<String>,
    count: Option<usize>,
}

/// The next fire times, as RFC 3339 in the schedule's zone and as epoch milliseconds.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NextView {
    time_zone: String,
    times: Vec<String>,
    epoch_ms: Vec<i64>,
}

async fn next(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<NextQuery>,
) -> Result<Json<NextView>> {
    let count = q.count.unwrap_or(5);
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(Error::validation(
            "count",
            format!("must be between 1 and {MAX_COUNT}"),
        ));
    }
    let (tz, epoch_ms) = jobs::preview(&state, &q.schedule_type, &q.conf, q.tz.as_deref(), count)?;
    let times = epoch_ms
        .iter()
        .filter_map(|ms| DateTime::<Utc>::from_timestamp_millis(*ms))
        .map(|t| t.with_timezone(&tz).to_rfc3339())
        .collect();
    Ok(Json(NextView {
        time_zone: tz.name().to_string(),
        times,
        epoch_ms,
    }))
}
