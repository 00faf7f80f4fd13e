//! A job's schedule as stored in `schedule_type`/`schedule_conf`: what is accepted, what a
//! user is told when it is not, and the fire times each kind produces.

use chrono_tz::Tz;
use jobwheel_admin::Error;
use jobwheel_admin::schedule::{Schedule, job_zone};
use jobwheel_admin::store::JobInfo;

const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;
/// 2026-01-15 10:20:30 UTC.
const T0: i64 = 1_768_472_430_000;

/// The (field, message) of a validation error.
fn invalid(result: Result<Schedule, Error>) -> (String, String) {
    match result {
        Err(Error::Validation { field, message }) => (field, message),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn the_three_kinds_parse_and_name_themselves() {
    let none = Schedule::parse("NONE", None).unwrap();
    assert_eq!(none, Schedule::None);
    assert_eq!(none.as_str(), "NONE");
    // NONE ignores whatever conf a form left behind.
    assert_eq!(
        Schedule::parse("NONE", Some("0 0 0 * * ?")).unwrap(),
        Schedule::None
    );

    let cron = Schedule::parse("CRON", Some(" 0 0 12 * * ? ")).unwrap();
    assert_eq!(cron.as_str(), "CRON");
    assert!(matches!(&cron, Schedule::Cron(expr) if expr.as_str() == "0 0 12 * * ?"));

    let rate = Schedule::parse("FIX_RATE", Some("30")).unwrap();
    assert_eq!(rate, Schedule::FixRate { seconds: 30 });
    assert_eq!(rate.as_str(), "FIX_RATE");
}

#[test]
fn bad_schedules_name_the_column_and_the_problem() {
    let (field, message) = invalid(Schedule::parse("CRON", Some("60 * * * * ?")));
    assert_eq!(field, "schedule_conf");
    assert_eq!(message, "second field: 60 is out of range 0-59");

    let (field, message) = invalid(Schedule::parse("CRON", None));
    assert_eq!(
        (field.as_str(), message.as_str()),
        ("schedule_conf", "CRON needs a cron expression")
    );
    assert_eq!(
        invalid(Schedule::parse("CRON", Some("  "))).0,
        "schedule_conf"
    );

    for conf in ["0", "-5", "1.5", "abc", "99999999999"] {
        let (field, message) = invalid(Schedule::parse("FIX_RATE", Some(conf)));
        assert_eq!(field, "schedule_conf", "for {conf}");
        assert!(
            message.contains("whole number of seconds"),
            "for {conf}: {message}"
        );
        assert!(message.contains(conf), "for {conf}: {message}");
    }
    assert_eq!(
        invalid(Schedule::parse("FIX_RATE", None)).0,
        "schedule_conf"
    );

    let (field, message) = invalid(Schedule::parse("FIX_DELAY", Some("10")));
    assert_eq!(field, "schedule_type");
    assert!(message.contains("not supported"), "{message}");
    let (field, message) = invalid(Schedule::parse("cron", Some("0 0 12 * * ?")));
    assert_eq!(field, "schedule_type");
    assert!(
        message.contains("expected NONE, CRON or FIX_RATE"),
        "{message}"
    );
}

#[test]
fn fix_rate_counts_from_the_previous_time_and_lands_on_whole_seconds() {
    let every_10s = Schedule::FixRate { seconds: 10 };
    assert_eq!(every_10s.next_after(T0, SHANGHAI), Some(T0 + 10_000));
    // A start with a millisecond part is rounded up to the next whole second (XXL-JOB 3.4+).
    assert_eq!(every_10s.next_after(T0 + 1, SHANGHAI), Some(T0 + 11_000));
    assert_eq!(every_10s.next_after(T0 + 999, SHANGHAI), Some(T0 + 11_000));
    assert_eq!(
        every_10s.next_n(T0 + 250, SHANGHAI, 3),
        [T0 + 11_000, T0 + 21_000, T0 + 31_000]
    );
    // The zone is irrelevant to elapsed time.
    assert_eq!(
        every_10s.next_after(T0, chrono_tz::America::New_York),
        every_10s.next_after(T0, SHANGHAI)
    );
    assert_eq!(
        Schedule::FixRate { seconds: 1 }.next_after(i64::MAX - 10, SHANGHAI),
        None
    );
}

#[test]
fn cron_previews_the_next_five_fires_in_the_job_zone() {
    let daily = Schedule::parse("CRON", Some("0 0 0 * * ?")).unwrap();
    // Midnight in Shanghai is 16:00 UTC the day before.
    assert_eq!(
        daily.next_n(T0, SHANGHAI, 5),
        [
            1_768_492_800_000,
            1_768_579_200_000,
            1_768_665_600_000,
            1_768_752_000_000,
            1_768_838_400_000,
        ]
    );
    // A schedule that ends yields fewer.
    let once = Schedule::parse("CRON", Some("0 0 0 1 1 ? 2027")).unwrap();
    assert_eq!(once.next_n(T0, chrono_tz::UTC, 5), [1_798_761_600_000]);
}

#[test]
fn none_never_fires() {
    assert_eq!(Schedule::None.next_after(T0, SHANGHAI), None);
    assert!(Schedule::None.next_n(T0, SHANGHAI, 5).is_empty());
}

#[test]
fn a_job_zone_defaults_to_the_admin_zone() {
    let mut job = JobInfo::default();
    assert_eq!(job_zone(&job, SHANGHAI).unwrap(), SHANGHAI);
    job.time_zone = Some(String::new());
    assert_eq!(job_zone(&job, SHANGHAI).unwrap(), SHANGHAI);
    job.time_zone = Some("Europe/Berlin".into());
    assert_eq!(job_zone(&job, SHANGHAI).unwrap(), chrono_tz::Europe::Berlin);
    job.time_zone = Some("Mars/Olympus_Mons".into());
    match job_zone(&job, SHANGHAI) {
        Err(Error::Validation { field, message }) => {
            assert_eq!(field, "time_zone");
            assert!(message.contains("Mars/Olympus_Mons"), "{message}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}
