//! Quartz cron, feature by feature, as a user writes expressions: what each special character
//! means, how DST changes in New York and Berlin are handled, and what an invalid expression
//! is told. Times are shown as local wall-clock strings so each expectation reads like a
//! calendar.

use chrono::{DateTime, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use jobwheel_admin::schedule::{CronExpr, CronField};

const NY: Tz = chrono_tz::America::New_York;
const BERLIN: Tz = chrono_tz::Europe::Berlin;
const UTC: Tz = chrono_tz::UTC;

/// Epoch ms of a local wall-clock time (must exist and be unambiguous).
fn at(local: &str, tz: Tz) -> i64 {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S").unwrap();
    tz.from_local_datetime(&naive)
        .single()
        .unwrap()
        .timestamp_millis()
}

/// An instant as "YYYY-MM-DD HH:MM:SS ZONE" in `tz`.
fn show(ms: i64, tz: Tz) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap()
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// The next `n` fires after `from` (local time in `tz`), shown in `tz`.
fn next(expr: &str, tz: Tz, from: &str, n: usize) -> Vec<String> {
    let cron = CronExpr::parse(expr).unwrap_or_else(|e| panic!("'{expr}' rejected: {e}"));
    std::iter::successors(cron.next_after(at(from, tz), tz), |&t| {
        cron.next_after(t, tz)
    })
    .take(n)
    .map(|t| show(t, tz))
    .collect()
}

fn error(expr: &str) -> String {
    match CronExpr::parse(expr) {
        Ok(_) => panic!("'{expr}' was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_next_fire_is_strictly_after_and_on_a_whole_second() {
    let every_second = CronExpr::parse("* * * * * ?").unwrap();
    let from = at("2026-01-15 10:00:00", UTC);
    assert_eq!(every_second.next_after(from, UTC), Some(from + 1000));
    // Milliseconds are dropped: 10:00:00.500 -> 10:00:01, not 10:00:00.500 + 1 s.
    assert_eq!(every_second.next_after(from + 500, UTC), Some(from + 1000));
    assert_eq!(every_second.next_after(from + 999, UTC), Some(from + 1000));
    let noon = CronExpr::parse("0 0 12 * * ?").unwrap();
    let fire = at("2026-01-15 12:00:00", UTC);
    assert_eq!(noon.next_after(fire - 1, UTC), Some(fire));
    assert_eq!(noon.next_after(fire, UTC), Some(fire + 86_400_000));
}

#[test]
fn lists_ranges_steps_and_wrapping_ranges() {
    assert_eq!(
        next("0 0 22-2 * * ?", UTC, "2026-01-15 12:00:00", 6),
        [
            "2026-01-15 22:00:00 UTC",
            "2026-01-15 23:00:00 UTC",
            "2026-01-16 00:00:00 UTC",
            "2026-01-16 01:00:00 UTC",
            "2026-01-16 02:00:00 UTC",
            "2026-01-16 22:00:00 UTC",
        ]
    );
    // `a/n` counts from a up to the field's end; `*/n` from its start.
    assert_eq!(
        next("10/25 */20 9 * * ?", UTC, "2026-01-15 09:00:00", 5),
        [
            "2026-01-15 09:00:10 UTC",
            "2026-01-15 09:00:35 UTC",
            "2026-01-15 09:20:10 UTC",
            "2026-01-15 09:20:35 UTC",
            "2026-01-15 09:40:10 UTC",
        ]
    );
    assert_eq!(
        next("0 0 8 1 NOV-FEB ?", UTC, "2026-01-15 00:00:00", 4),
        [
            "2026-02-01 08:00:00 UTC",
            "2026-11-01 08:00:00 UTC",
            "2026-12-01 08:00:00 UTC",
            "2027-01-01 08:00:00 UTC",
        ]
    );
    // 2026-01-15 is a Thursday; FRI-MON wraps over the week's end.
    assert_eq!(
        next("0 0 8 ? * FRI-MON", UTC, "2026-01-15 00:00:00", 5),
        [
            "2026-01-16 08:00:00 UTC",
            "2026-01-17 08:00:00 UTC",
            "2026-01-18 08:00:00 UTC",
            "2026-01-19 08:00:00 UTC",
            "2026-01-23 08:00:00 UTC",
        ]
    );
}

#[test]
fn names_are_case_insensitive_and_sunday_is_one() {
    let by_name = next("0 0 12 ? jan,Jul sUn", UTC, "2026-01-15 00:00:00", 3);
    let by_number = next("0 0 12 ? 1,7 1", UTC, "2026-01-15 00:00:00", 3);
    assert_eq!(by_name, by_number);
    assert_eq!(
        by_name,
        [
            "2026-01-18 12:00:00 UTC",
            "2026-01-25 12:00:00 UTC",
            "2026-07-05 12:00:00 UTC",
        ]
    );
    // Quartz reads the first three letters of a name, so full names work as well.
    assert_eq!(
        next(
            "0 0 12 ? January,JULY Sunday",
            UTC,
            "2026-01-15 00:00:00",
            3
        ),
        by_number
    );
    assert_eq!(
        next("0 0 12 ? * MONDAY-FRIDAY", UTC, "2026-01-15 00:00:00", 3),
        next("0 0 12 ? * 2-6", UTC, "2026-01-15 00:00:00", 3)
    );
    // 7 = SAT, and `L` alone in day-of-week means 7 too.
    assert_eq!(
        next("0 0 0 ? * L", UTC, "2026-01-15 00:00:00", 2),
        next("0 0 0 ? * SAT", UTC, "2026-01-15 00:00:00", 2)
    );
}

#[test]
fn last_day_and_offsets_from_it() {
    assert_eq!(
        next("0 0 12 L * ?", UTC, "2028-01-31 13:00:00", 3),
        [
            "2028-02-29 12:00:00 UTC", // leap year
            "2028-03-31 12:00:00 UTC",
            "2028-04-30 12:00:00 UTC",
        ]
    );
    assert_eq!(
        next("0 0 12 L-3 * ?", UTC, "2026-02-01 00:00:00", 2),
        ["2026-02-25 12:00:00 UTC", "2026-03-28 12:00:00 UTC"]
    );
    // LW: the last weekday. 2026-01-31 is a Saturday, 2026-05-31 a Sunday.
    assert_eq!(
        next("0 0 12 LW * ?", UTC, "2026-01-01 00:00:00", 1),
        ["2026-01-30 12:00:00 UTC"]
    );
    assert_eq!(
        next("0 0 12 LW * ?", UTC, "2026-05-01 00:00:00", 1),
        ["2026-05-29 12:00:00 UTC"]
    );
}

#[test]
fn nearest_weekday_stays_inside_the_month() {
    // 2026-02-15 is a Sunday -> Monday 16th; 2026-08-15 is a Saturday -> Friday 14th.
    assert_eq!(
        next("0 0 9 15W * ?", UTC, "2026-02-01 00:00:00", 1),
        ["2026-02-16 09:00:00 UTC"]
    );
    assert_eq!(
        next("0 0 9 15W * ?", UTC, "2026-08-01 00:00:00", 1),
        ["2026-08-14 09:00:00 UTC"]
    );
    // 2026-08-01 is a Saturday: 1W does not jump back to July, it fires Monday the 3rd.
    assert_eq!(
        next("0 0 9 1W * ?", UTC, "2026-07-31 00:00:00", 1),
        ["2026-08-03 09:00:00 UTC"]
    );
}

#[test]
fn last_and_nth_weekday_of_the_month() {
    assert_eq!(
        next("0 0 18 ? * 6L", UTC, "2026-01-01 00:00:00", 3),
        [
            "2026-01-30 18:00:00 UTC",
            "2026-02-27 18:00:00 UTC",
            "2026-03-27 18:00:00 UTC",
        ]
    );
    assert_eq!(
        next("0 0 9 ? * MON#1", UTC, "2026-01-01 00:00:00", 3),
        [
            "2026-01-05 09:00:00 UTC",
            "2026-02-02 09:00:00 UTC",
            "2026-03-02 09:00:00 UTC",
        ]
    );
    // A fifth Friday exists only in some months.
    assert_eq!(
        next("0 0 9 ? * 6#5", UTC, "2026-01-01 00:00:00", 3),
        [
            "2026-01-30 09:00:00 UTC",
            "2026-05-29 09:00:00 UTC",
            "2026-07-31 09:00:00 UTC",
        ]
    );
}

#[test]
fn years_limit_the_schedule() {
    assert_eq!(
        next("0 0 0 1 1 ? 2027-2028", UTC, "2026-06-01 00:00:00", 5),
        ["2027-01-01 00:00:00 UTC", "2028-01-01 00:00:00 UTC"]
    );
    assert!(next("0 0 0 1 1 ? 2025", UTC, "2026-06-01 00:00:00", 1).is_empty());
    // Feb 30 never comes: no fire rather than an endless search.
    assert!(next("0 0 0 30 2 ?", UTC, "2026-06-01 00:00:00", 1).is_empty());
    assert_eq!(
        next("0 0 0 29 2 ?", UTC, "2026-06-01 00:00:00", 2),
        ["2028-02-29 00:00:00 UTC", "2032-02-29 00:00:00 UTC"]
    );
}

#[test]
fn new_york_spring_gap_skips_the_missing_times() {
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    assert_eq!(
        next("0 30 2 * * ?", NY, "2026-03-07 12:00:00", 2),
        ["2026-03-09 02:30:00 EDT", "2026-03-10 02:30:00 EDT"]
    );
    assert_eq!(
        next("0 0/30 * * * ?", NY, "2026-03-08 01:00:00", 3),
        [
            "2026-03-08 01:30:00 EST",
            "2026-03-08 03:00:00 EDT",
            "2026-03-08 03:30:00 EDT",
        ]
    );
    // Every minute of the 2 o'clock hour: none exists that day.
    assert_eq!(
        next("0 * 2 * * ?", NY, "2026-03-08 00:00:00", 1),
        ["2026-03-09 02:00:00 EDT"]
    );
}

#[test]
fn new_york_fall_overlap_fires_once_on_the_later_clock() {
    // 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:xx happens twice.
    let from = at("2026-10-31 12:00:00", NY);
    let cron = CronExpr::parse("0 30 1 * * ?").unwrap();
    let first = cron.next_after(from, NY).unwrap();
    assert_eq!(show(first, NY), "2026-11-01 01:30:00 EST");
    assert_eq!(show(first, UTC), "2026-11-01 06:30:00 UTC");
    assert_eq!(
        show(cron.next_after(first, NY).unwrap(), NY),
        "2026-11-02 01:30:00 EST"
    );
    // Quartz resolves every 01:xx wall time to EST, so the EDT hour is skipped as a whole.
    assert_eq!(
        next("0 0/20 * * * ?", NY, "2026-11-01 00:30:00", 4),
        [
            "2026-11-01 00:40:00 EDT",
            "2026-11-01 01:00:00 EST",
            "2026-11-01 01:20:00 EST",
            "2026-11-01 01:40:00 EST",
        ]
    );
}

#[test]
fn berlin_spring_gap_and_fall_overlap() {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST.
    assert_eq!(
        next("0 30 2 * * ?", BERLIN, "2026-03-28 12:00:00", 2),
        ["2026-03-30 02:30:00 CEST", "2026-03-31 02:30:00 CEST"]
    );
    assert_eq!(
        next("0 0 * * * ?", BERLIN, "2026-03-29 00:30:00", 3),
        [
            "2026-03-29 01:00:00 CET",
            "2026-03-29 03:00:00 CEST",
            "2026-03-29 04:00:00 CEST",
        ]
    );
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 fires once, at 02:30 CET.
    assert_eq!(
        next("0 30 2 * * ?", BERLIN, "2026-10-24 12:00:00", 2),
        ["2026-10-25 02:30:00 CET", "2026-10-26 02:30:00 CET"]
    );
    assert_eq!(
        next("0 0 * * * ?", BERLIN, "2026-10-25 00:30:00", 3),
        [
            "2026-10-25 01:00:00 CEST",
            "2026-10-25 02:00:00 CET",
            "2026-10-25 03:00:00 CET",
        ]
    );
}

#[test]
fn the_same_expression_fires_at_local_times_of_each_zone() {
    let cron = CronExpr::parse("0 0 9 * * ?").unwrap();
    let from = at("2026-06-01 00:00:00", UTC);
    assert_eq!(
        show(cron.next_after(from, UTC).unwrap(), UTC),
        "2026-06-01 09:00:00 UTC"
    );
    assert_eq!(
        show(cron.next_after(from, BERLIN).unwrap(), UTC),
        "2026-06-01 07:00:00 UTC"
    );
    assert_eq!(
        show(cron.next_after(from, NY).unwrap(), UTC),
        "2026-06-01 13:00:00 UTC"
    );
}

#[test]
fn invalid_expressions_say_what_and_where() {
    let cases = [
        ("60 * * * * ?", "second field: 60 is out of range 0-59"),
        ("0 60 * * * ?", "minute field: 60 is out of range 0-59"),
        ("0 0 25 * * ?", "hour field: 25 is out of range 0-23"),
        (
            "0 0 0 32 * ?",
            "day-of-month field: 32 is out of range 1-31",
        ),
        ("0 0 0 0 * ?", "day-of-month field: 0 is out of range 1-31"),
        ("0 0 0 ? 13 MON", "month field: 13 is out of range 1-12"),
        ("0 0 0 ? * 8", "day-of-week field: 8 is out of range 1-7"),
        ("0 0 0 ? * 0", "day-of-week field: 0 is out of range 1-7"),
        (
            "0 0 0 1 1 ? 1969",
            "year field: 1969 is out of range 1970-2299",
        ),
        (
            "0 0 0 L-40 * ?",
            "day-of-month field: offset from the last day must be at most 30, found 'L-40'",
        ),
        (
            "0 0 0 15X * ?",
            "day-of-month field: unexpected 'X' in '15X'",
        ),
        ("0 */0 * * * ?", "minute field: step 0 is out of range 1-59"),
        (
            "0 0/60 * * * ?",
            "minute field: step 60 is out of range 1-59",
        ),
        (
            "0 0 12 ? * 6#6",
            "day-of-week field: '#' must be followed by a number from 1 to 5 (e.g. 6#3), found '6#6'",
        ),
        (
            "0 0 12 ? * MON-5",
            "day-of-week field: a range must use two names or two numbers, found 'MON-5'",
        ),
        (
            "0 0 12 ? * FOO",
            "day-of-week field: 'FOO' is not a day name (SUN-SAT)",
        ),
        (
            "0 0 12 ? * 2L,3",
            "day-of-week field: 'L' cannot be combined with other days of the week in '2L,3'",
        ),
        (
            "0 0 12 ? * 2#1,3",
            "day-of-week field: '#' cannot be combined with other days of the week in '2#1,3'",
        ),
    ];
    for (expr, message) in cases {
        assert_eq!(error(expr), message, "for '{expr}'");
    }
    assert!(error("* * * * *").starts_with("expected 6 or 7 fields"));
    assert!(error("0 0 0 1 1 ? 2027 X").contains("found 8"));
    assert!(error("abc").contains("found 1"));
    assert!(error("0 0 0 * * *").contains("must be '?'"));
    assert!(error("0 0 0 ? * ?").contains("not in both"));
    assert!(error("0 0 ? * * *").starts_with("hour field: '?'"));
    assert!(error("0 0 0 1,,2 * ?").contains("empty list item"));
    assert!(error("0 0 12 ? JAN MON-FRI/2").contains("unexpected '/'"));
    assert!(error("0 0 0 1 1 ? 2030-2025").contains("start year"));
    assert!(error("0 L * * * ?").starts_with("minute field:"));
    assert!(error("0 0 12 5W * 2").contains("must be '?'"));
}

#[test]
fn errors_name_the_field_for_callers() {
    let e = CronExpr::parse("0 0 25 * * ?").unwrap_err();
    assert_eq!(e.field, Some(CronField::Hour));
    assert_eq!(CronExpr::parse("* * * * *").unwrap_err().field, None);
    // The expression keeps its text; parsing is case-insensitive.
    assert_eq!(
        CronExpr::parse(" 0 0 12 ? * mon ").unwrap().as_str(),
        "0 0 12 ? * mon"
    );
}
