//! Time conversions in one place.
//!
//! XXL-JOB stores `trigger_*_time` as epoch milliseconds but every DATETIME column as a naive
//! local time of the admin's zone (the JVM's, in XXL-JOB). We convert at the edges with the
//! configured zone, so a Java admin sharing the database reads the same wall-clock times.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// Now, in epoch milliseconds.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// An epoch-ms instant as a naive local time in `tz` (for DATETIME columns).
pub fn to_naive(ms: i64, tz: Tz) -> NaiveDateTime {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .naive_local()
}

/// Now as a naive local time in `tz`.
pub fn now_naive(tz: Tz) -> NaiveDateTime {
    to_naive(now_ms(), tz)
}

/// A naive local time in `tz` as epoch ms. In a DST overlap the earlier instant is taken; a
/// time inside a DST gap (which no clock showed) is read as if the gap had not happened.
pub fn from_naive(naive: NaiveDateTime, tz: Tz) -> i64 {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
        LocalResult::None => {
            naive.and_utc().timestamp_millis()
                - tz.offset_from_utc_datetime(&naive).fix().local_minus_utc() as i64 * 1000
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_a_zone() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let ms = 1_700_000_000_000;
        assert_eq!(from_naive(to_naive(ms, tz), tz), ms);
        assert_eq!(to_naive(ms, tz).to_string(), "2023-11-15 06:13:20");
    }

    #[test]
    fn dst_overlap_takes_the_earlier_instant() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let naive =
            NaiveDateTime::parse_from_str("2025-10-26 02:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        // 02:30 CEST (UTC+2) = 00:30 UTC.
        assert_eq!(from_naive(naive, tz), 1_761_438_600_000);
    }
}
