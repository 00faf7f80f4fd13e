//! The live schedule preview behind the job form: the next five fire times of a schedule
//! as the user types it, computed by the same scheduler code that will fire the job.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::web::WebState;
use crate::web::context::Viewer;
use crate::web::query::PageQuery;

/// Query of `GET /console/schedule-preview`.
#[derive(Debug, Deserialize)]
pub struct PreviewQuery {
    /// `NONE`, `CRON` or `FIX_RATE`.
    #[serde(rename = "type", default)]
    pub schedule_type: String,
    /// The cron expression or the seconds.
    #[serde(default)]
    pub conf: String,
    /// IANA zone; blank means the admin's default.
    #[serde(default)]
    pub tz: String,
}

/// The answer: fire times as local `yyyy-MM-dd HH:mm:ss` in the zone used, or an error
/// in words for the field.
#[derive(Debug, Serialize)]
pub struct Preview {
    /// Zone the times are shown in.
    pub tz: String,
    /// Up to five upcoming fire times.
    pub times: Vec<String>,
    /// Why the schedule cannot be used, if it cannot.
    pub error: Option<String>,
}

/// How many fire times the preview shows (XXL-JOB shows five).
pub const PREVIEW_COUNT: usize = 5;

/// `GET /console/schedule-preview?type=CRON&conf=…&tz=…`.
pub async fn schedule(
    State(state): State<WebState>,
    _viewer: Viewer,
    PageQuery(query): PageQuery<PreviewQuery>,
) -> Json<Preview> {
    // The same domain function REST v1's schedule preview calls.
    let parsed = crate::service::jobs::preview(
        &state.app,
        &query.schedule_type,
        &query.conf,
        Some(&query.tz),
        PREVIEW_COUNT,
    );
    Json(match parsed {
        Ok((tz, times)) => Preview {
            tz: tz.name().to_string(),
            times: times
                .into_iter()
                .map(|ms| {
                    crate::time::to_naive(ms, tz)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()
                })
                .collect(),
            error: None,
        },
        Err(error) => Preview {
            tz: String::new(),
            times: Vec::new(),
            error: Some(error.to_string()),
        },
    })
}
