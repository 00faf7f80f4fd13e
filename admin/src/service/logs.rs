//! Trigger logs: one row per run, read back with XXL-JOB's status classes (PROTOCOL.md §6.1).

use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::store::{JobLog, LogFilter, LogStatus, Page};
use crate::time::to_naive;

/// The DATETIME format XXL-JOB shows and accepts.
pub const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// One log row.
pub async fn get(state: &AppState, id: i64) -> Result<JobLog> {
    state
        .store
        .get_log(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("log {id}")))
}

/// Logs matching `filter`, newest first, and the total count.
pub async fn list(state: &AppState, filter: &LogFilter, page: Page) -> Result<(Vec<JobLog>, i64)> {
    if matches!((filter.from, filter.to), (Some(from), Some(to)) if from > to) {
        return Err(Error::validation("from", "`from` is after `to`"));
    }
    state.store.list_logs(filter, page).await
}

/// Reads `success`, `failure` or `running`.
pub fn parse_status(field: &str, value: &str) -> Result<LogStatus> {
    match value.trim().to_ascii_lowercase().as_str() {
        "success" => Ok(LogStatus::Success),
        "failure" | "fail" => Ok(LogStatus::Failure),
        "running" => Ok(LogStatus::Running),
        other => Err(Error::validation(
            field,
            format!("`{other}` is not a log status (success, failure or running)"),
        )),
    }
}

/// Reads a time as `yyyy-MM-dd HH:mm:ss` in the admin's zone `tz`, or as RFC 3339 (any
/// offset), into the naive admin-zone time the log table stores.
pub fn parse_time(field: &str, value: &str, tz: Tz) -> Result<NaiveDateTime> {
    let value = value.trim();
    if let Ok(naive) = NaiveDateTime::parse_from_str(value, DATETIME_FORMAT) {
        return Ok(naive);
    }
    DateTime::parse_from_rfc3339(value)
        .map(|t| to_naive(t.timestamp_millis(), tz))
        .map_err(|_| {
            Error::validation(
                field,
                format!("`{value}` is neither `yyyy-MM-dd HH:mm:ss` nor an RFC 3339 time"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_both_formats_into_the_admin_zone() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let naive = parse_time("from", "2024-03-01 08:00:00", tz).unwrap();
        let rfc = parse_time("from", "2024-03-01T00:00:00Z", tz).unwrap();
        assert_eq!(naive, rfc);
        assert!(matches!(
            parse_time("to", "yesterday", tz),
            Err(Error::Validation { field, .. }) if field == "to"
        ));
    }

    #[test]
    fn statuses_are_the_three_classes() {
        assert_eq!(
            parse_status("status", "Running").unwrap(),
            LogStatus::Running
        );
        assert!(parse_status("status", "done").is_err());
    }
}
