//! The live schedule preview behind the job form: the next five fire times of a schedule
//! as the user types it, computed by the same scheduler code that will fire the job.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

use crate::schedule::Schedule;
use crate::web::WebState;
use crate::web::context::Viewer;

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
    Query(query): Query<PreviewQuery>,
) -> Json<Preview> {
    let tz = match query.tz.trim() {
        "" => Ok(state.app.tz),
        name => name
            .parse::<chrono_tz::Tz>()
            .map_err(|_| format!("`{name}` is not an IANA time zone")),
    };
    let conf = query.conf.trim();
    let parsed = tz.and_then(|tz| {
        Schedule::parse(
            query.schedule_type.trim(),
            (!conf.is_empty()).then_some(conf),
        )
        .map(|s| (tz, s))
        .map_err(|e| e.to_string())
    });
    Json(match parsed {
        Ok((tz, schedule)) => Preview {
            tz: tz.name().to_string(),
            times: schedule
                .next_n(crate::time::now_ms(), tz, PREVIEW_COUNT)
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
            error: Some(error),
        },
    })
}
