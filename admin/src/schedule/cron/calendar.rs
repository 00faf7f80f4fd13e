//! A minimal `java.util.GregorianCalendar` (lenient, with a time zone), just as much of it as
//! Quartz's `getTimeAfter` uses.
//!
//! Why emulate a Java calendar instead of doing clean date arithmetic? Quartz's answers,
//! especially around daylight-saving changes, are *produced by* the calendar's quirks: every
//! `set(field)` marks the instant stale, and the next `get` re-resolves the wall-clock fields
//! to an instant and back. Out-of-range fields roll over (day 32 is the 1st of next month,
//! hour 24 is midnight of the next day), a wall time inside a DST gap moves forward by the
//! gap, and an ambiguous wall time in an overlap resolves to its *later* instant — which is
//! why a job moved from XXL-JOB fires only once in an overlap, and never at a skipped time.
//! Reproducing those rules here keeps the port of the algorithm itself line-for-line.

use chrono::{
    Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike,
};
use chrono_tz::Tz;

/// The calendar fields Quartz touches (`java.util.Calendar` constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Year,
    /// 0-based, as in Java (0 = January).
    Month,
    DayOfMonth,
    HourOfDay,
    Minute,
    Second,
    Millisecond,
}

/// Wall-clock fields plus the instant they were last resolved to.
#[derive(Debug, Clone)]
pub(super) struct Calendar {
    tz: Tz,
    /// year, month (0-based), day of month, hour of day, minute, second, millisecond;
    /// any value, the calendar is lenient.
    fields: [i64; 7],
    /// Epoch ms of `fields`, when they have not been `set` since the last resolution.
    time: Option<i64>,
}

impl Calendar {
    /// `new GregorianCalendar(tz); setTime(ms)`. `None` if `ms` is out of chrono's range.
    pub(super) fn at(tz: Tz, epoch_ms: i64) -> Option<Self> {
        let mut cal = Self {
            tz,
            fields: [0; 7],
            time: None,
        };
        cal.set_time(epoch_ms)?;
        Some(cal)
    }

    fn set_time(&mut self, epoch_ms: i64) -> Option<()> {
        let utc = chrono::DateTime::from_timestamp_millis(epoch_ms)?;
        let local = utc.with_timezone(&self.tz).naive_local();
        self.fields = [
            i64::from(local.year()),
            i64::from(local.month0()),
            i64::from(local.day()),
            i64::from(local.hour()),
            i64::from(local.minute()),
            i64::from(local.second()),
            i64::from(local.nanosecond() / 1_000_000),
        ];
        self.time = Some(epoch_ms);
        Some(())
    }

    /// `Calendar.set`: stores the raw value; nothing is normalised until the next read.
    pub(super) fn set(&mut self, field: Field, value: i64) {
        self.fields[field as usize] = value;
        self.time = None;
    }

    /// `Calendar.get`: resolves pending `set`s (instant from fields, then fields from the
    /// instant), then reads the field. `None` only for dates beyond chrono's range.
    pub(super) fn get(&mut self, field: Field) -> Option<i64> {
        self.resolve()?;
        Some(self.fields[field as usize])
    }

    /// `Calendar.get(DAY_OF_WEEK)`: 1 = Sunday … 7 = Saturday.
    pub(super) fn day_of_week(&mut self) -> Option<i64> {
        self.resolve()?;
        let date = NaiveDate::from_ymd_opt(
            i32::try_from(self.fields[0]).ok()?,
            u32::try_from(self.fields[1] + 1).ok()?,
            u32::try_from(self.fields[2]).ok()?,
        )?;
        Some(i64::from(date.weekday().number_from_sunday()))
    }

    /// `Calendar.getTime().getTime()`.
    pub(super) fn epoch_ms(&mut self) -> Option<i64> {
        self.resolve()?;
        self.time
    }

    fn resolve(&mut self) -> Option<()> {
        if self.time.is_none() {
            let wall = lenient(&self.fields)?;
            let ms = wall_to_epoch_ms(wall, self.tz)?;
            self.set_time(ms)?;
        }
        Some(())
    }
}

/// The wall-clock time the (possibly out-of-range) fields denote, rolling each overflow into
/// the next larger unit as a lenient `GregorianCalendar` does.
pub(super) fn lenient(f: &[i64; 7]) -> Option<NaiveDateTime> {
    let months = f[0].checked_mul(12)?.checked_add(f[1])?;
    let year = i32::try_from(months.div_euclid(12)).ok()?;
    let month0 = u32::try_from(months.rem_euclid(12)).ok()?;
    let first = NaiveDate::from_ymd_opt(year, month0 + 1, 1)?.and_hms_opt(0, 0, 0)?;
    let offset_ms = (f[2] - 1)
        .checked_mul(86_400_000)?
        .checked_add(f[3].checked_mul(3_600_000)?)?
        .checked_add(f[4].checked_mul(60_000)?)?
        .checked_add(f[5].checked_mul(1_000)?)?
        .checked_add(f[6])?;
    first.checked_add_signed(Duration::try_milliseconds(offset_ms)?)
}

/// Resolves a wall-clock time in `tz` to an instant the way Java's `ZoneInfo` does:
/// * an ordinary time maps to its one instant;
/// * in an overlap (clocks turned back) the *later* instant wins — the offset in force after
///   the transition;
/// * in a gap (clocks turned forward) the offset in force *before* the transition applies,
///   so 02:30 in New York's spring gap becomes 03:30 EDT.
///
/// (Checked against a JVM, also for years past 2037 where Java switches from its transition
/// table to the zone's last rule: the results are the same.)
pub(super) fn wall_to_epoch_ms(wall: NaiveDateTime, tz: Tz) -> Option<i64> {
    let wall_ms = wall.and_utc().timestamp_millis();
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(t) => Some(t.timestamp_millis()),
        LocalResult::Ambiguous(_, later) => Some(later.timestamp_millis()),
        LocalResult::None => {
            // The offset after the gap (a day later is safely past the transition), used
            // to find an instant just before the transition, whose offset is the old one.
            let after = offset_at_ms(wall_ms + 86_400_000, tz)?;
            let before = offset_at_ms(wall_ms - after, tz)?;
            Some(wall_ms - before)
        }
    }
}

/// The total UTC offset (ms) in force at an instant.
fn offset_at_ms(epoch_ms: i64, tz: Tz) -> Option<i64> {
    let utc = chrono::DateTime::from_timestamp_millis(epoch_ms)?.naive_utc();
    Some(i64::from(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn fields_roll_over_like_a_lenient_java_calendar() {
        let mut cal = Calendar::at(Tz::UTC, 0).unwrap();
        cal.set(Field::Year, 2026);
        cal.set(Field::Month, 1); // February
        cal.set(Field::DayOfMonth, 31);
        cal.set(Field::HourOfDay, 24);
        assert_eq!(cal.get(Field::Month), Some(2)); // March
        assert_eq!(cal.get(Field::DayOfMonth), Some(4)); // Feb 31 = Mar 3, hour 24 = +1 day
        assert_eq!(cal.get(Field::HourOfDay), Some(0));
        cal.set(Field::Month, 12);
        assert_eq!(cal.get(Field::Year), Some(2027));
        assert_eq!(cal.get(Field::Month), Some(0));
    }

    #[test]
    fn gap_moves_forward_and_overlap_takes_the_later_instant() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // 2026-03-08 02:30 does not exist in New York: read with EST, it is 07:30Z = 03:30 EDT.
        assert_eq!(
            wall_to_epoch_ms(wall("2026-03-08 02:30:00"), ny),
            Some(wall("2026-03-08 07:30:00").and_utc().timestamp_millis())
        );
        // 2026-11-01 01:30 happens twice: the later (EST) one, 06:30Z.
        assert_eq!(
            wall_to_epoch_ms(wall("2026-11-01 01:30:00"), ny),
            Some(wall("2026-11-01 06:30:00").and_utc().timestamp_millis())
        );
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            wall_to_epoch_ms(wall("2026-03-29 02:30:00"), berlin),
            Some(wall("2026-03-29 01:30:00").and_utc().timestamp_millis())
        );
        assert_eq!(
            wall_to_epoch_ms(wall("2026-10-25 02:30:00"), berlin),
            Some(wall("2026-10-25 01:30:00").and_utc().timestamp_millis())
        );
    }

    #[test]
    fn past_2037_gaps_and_overlaps_resolve_the_same_way() {
        // Java leaves its transition table after 2037; a JVM still gives these (checked).
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            wall_to_epoch_ms(wall("2040-03-11 02:30:00"), ny),
            Some(wall("2040-03-11 07:30:00").and_utc().timestamp_millis())
        );
        assert_eq!(
            wall_to_epoch_ms(wall("2040-11-04 01:30:00"), ny),
            Some(wall("2040-11-04 06:30:00").and_utc().timestamp_millis())
        );
        // Havana moves its clocks at midnight: 00:40 on the spring day is 01:40 CDT.
        let havana: Tz = "America/Havana".parse().unwrap();
        assert_eq!(
            wall_to_epoch_ms(wall("2047-03-10 00:40:00"), havana),
            Some(wall("2047-03-10 05:40:00").and_utc().timestamp_millis())
        );
    }
}
