//! What one scan decides for one job (`plan_job`): fires that are due, fires that were
//! missed, and jobs whose schedule has ended. Every rule of the decision has a story here.

use chrono_tz::Tz;
use jobwheel_admin::schedule::misfire::{MAX_FIRES_PER_SCAN, MISFIRE_THRESHOLD_MS};
use jobwheel_admin::schedule::{FireKind, JobPlan, MisfireStrategy, Schedule, plan_job};

const UTC: Tz = chrono_tz::UTC;
/// A scan's "now": 2026-01-15 10:20:30 UTC.
const NOW: i64 = 1_768_472_430_000;
/// The scan takes every occurrence up to now + 5 s.
const WINDOW_END: i64 = NOW + 5_000;
/// An earlier fire, for `trigger_last_time` (before every missed fire of these stories).
const EARLIER: i64 = NOW - 4 * 3_600_000;

fn rate(seconds: u32) -> Schedule {
    Schedule::FixRate { seconds }
}

fn cron(expr: &str) -> Schedule {
    Schedule::parse("CRON", Some(expr)).unwrap()
}

fn plan(schedule: &Schedule, misfire: MisfireStrategy, next: i64) -> JobPlan {
    plan_job(schedule, misfire, UTC, EARLIER, next, NOW, WINDOW_END)
}

fn scheduled(times: &[i64]) -> Vec<(i64, FireKind)> {
    times.iter().map(|&t| (t, FireKind::Scheduled)).collect()
}

#[test]
fn a_fire_due_within_the_window_is_taken_and_the_next_one_computed() {
    let p = plan(&rate(10), MisfireStrategy::DoNothing, NOW + 2_000);
    assert_eq!(
        p,
        JobPlan {
            fires: scheduled(&[NOW + 2_000]),
            last: NOW + 2_000,
            next: NOW + 12_000,
            stop: false,
        }
    );
}

#[test]
fn every_occurrence_in_the_window_is_taken_so_one_second_jobs_keep_pace() {
    let p = plan(&rate(1), MisfireStrategy::DoNothing, NOW);
    let want: Vec<i64> = (0..=5).map(|i| NOW + i * 1_000).collect();
    assert_eq!(p.fires, scheduled(&want));
    assert_eq!((p.last, p.next, p.stop), (NOW + 5_000, NOW + 6_000, false));
}

#[test]
fn a_fire_up_to_five_seconds_late_is_still_taken_at_its_own_time() {
    let p = plan(&rate(60), MisfireStrategy::DoNothing, NOW - 3_000);
    assert_eq!(p.fires, scheduled(&[NOW - 3_000]));
    assert_eq!((p.last, p.next), (NOW - 3_000, NOW + 57_000));
    // Exactly at the threshold is still "late", not "missed".
    let p = plan(
        &rate(60),
        MisfireStrategy::DoNothing,
        NOW - MISFIRE_THRESHOLD_MS,
    );
    assert_eq!(p.fires, scheduled(&[NOW - MISFIRE_THRESHOLD_MS]));
}

#[test]
fn a_job_not_yet_due_is_left_alone() {
    let p = plan(&rate(60), MisfireStrategy::FireOnceNow, WINDOW_END + 1);
    assert_eq!(
        p,
        JobPlan {
            fires: vec![],
            last: EARLIER,
            next: WINDOW_END + 1,
            stop: false,
        }
    );
}

#[test]
fn do_nothing_skips_a_missed_fire_and_resumes_after_now() {
    let hourly = cron("0 0 * * * ?");
    // Due at 10:00:00, the scan comes at 10:20:30.
    let missed = NOW - 20 * 60_000 - 30_000;
    let p = plan(&hourly, MisfireStrategy::DoNothing, missed);
    assert_eq!(
        p,
        JobPlan {
            fires: vec![],
            last: EARLIER,
            next: missed + 3_600_000, // 11:00:00
            stop: false,
        }
    );
}

#[test]
fn fire_once_now_fires_once_however_many_were_missed() {
    let every_minute = cron("0 * * * * ?");
    // Three hours of missed minutes.
    let p = plan(
        &every_minute,
        MisfireStrategy::FireOnceNow,
        NOW - 3 * 3_600_000,
    );
    assert_eq!(p.fires, vec![(NOW, FireKind::Misfire)]);
    assert_eq!((p.last, p.next, p.stop), (NOW, NOW + 30_000, false)); // next: 10:21:00
}

#[test]
fn a_miss_the_orphan_sweeper_already_compensated_is_not_compensated_again() {
    // The admin was down; on its return the sweeper found the job's planned fires overdue
    // and fired the compensation first, recording it as the last fire.
    let next = NOW - 600_000;
    let compensated_at = next + MISFIRE_THRESHOLD_MS;
    let p = plan_job(
        &rate(1),
        MisfireStrategy::FireOnceNow,
        UTC,
        compensated_at,
        next,
        NOW,
        NOW + 1_500,
    );
    assert!(
        p.fires
            .iter()
            .all(|(t, kind)| *kind == FireKind::Scheduled && *t > NOW),
        "no second compensation, and nothing from the past: {p:?}"
    );
    assert!(p.next > NOW && !p.stop, "{p:?}");
}

#[test]
fn after_a_misfire_the_occurrences_inside_the_window_are_taken_too() {
    // A one-second job whose scan was 10 s late, at a "now" with a millisecond part.
    let now = NOW + 250;
    let p = plan_job(
        &rate(1),
        MisfireStrategy::FireOnceNow,
        UTC,
        EARLIER,
        now - 10_000,
        now,
        now + 3_000,
    );
    let mut want = vec![(now, FireKind::Misfire)];
    want.extend(scheduled(&[NOW + 2_000, NOW + 3_000]));
    assert_eq!(p.fires, want);
    assert_eq!((p.last, p.next), (NOW + 3_000, NOW + 4_000));

    let p = plan_job(
        &rate(1),
        MisfireStrategy::DoNothing,
        UTC,
        EARLIER,
        now - 10_000,
        now,
        now + 3_000,
    );
    assert_eq!(p.fires, scheduled(&[NOW + 2_000, NOW + 3_000]));
}

#[test]
fn a_job_never_computed_counts_as_missed() {
    let p = plan(&rate(10), MisfireStrategy::DoNothing, 0);
    assert_eq!((p.fires.len(), p.last, p.next), (0, EARLIER, NOW + 10_000));
}

#[test]
fn a_schedule_that_ends_stops_the_job_after_its_last_fire() {
    // Fires once, 2026-01-15 10:20:32 UTC, and never again.
    let once = cron("32 20 10 15 1 ? 2026");
    let p = plan(&once, MisfireStrategy::DoNothing, NOW + 2_000);
    assert_eq!(
        p,
        JobPlan {
            fires: scheduled(&[NOW + 2_000]),
            last: 0,
            next: 0,
            stop: true,
        }
    );
    // Its only fire, 10:20:00, was missed by 30 s: nothing to fire, stop.
    let missed_once = cron("0 20 10 15 1 ? 2026");
    let p = plan(&missed_once, MisfireStrategy::DoNothing, NOW - 30_000);
    assert_eq!((p.fires.len(), p.last, p.next, p.stop), (0, 0, 0, true));
    // FIRE_ONCE_NOW still takes its one fire before stopping.
    let p = plan(&missed_once, MisfireStrategy::FireOnceNow, NOW - 30_000);
    assert_eq!((p.fires, p.stop), (vec![(NOW, FireKind::Misfire)], true));
    // A NONE job that is somehow running stops at its first scan.
    let p = plan(&Schedule::None, MisfireStrategy::DoNothing, NOW - 60_000);
    assert_eq!((p.fires.len(), p.stop), (0, true));
}

#[test]
fn a_huge_window_is_capped_and_the_rest_stays_due() {
    let p = plan_job(
        &rate(1),
        MisfireStrategy::DoNothing,
        UTC,
        EARLIER,
        NOW,
        NOW,
        NOW + 3_600_000,
    );
    assert_eq!(p.fires.len(), MAX_FIRES_PER_SCAN);
    let last = NOW + (MAX_FIRES_PER_SCAN as i64 - 1) * 1_000;
    assert_eq!((p.last, p.next, p.stop), (last, last + 1_000, false));
}

#[test]
fn strategies_and_fire_kinds_have_their_xxl_job_names() {
    assert_eq!(
        MisfireStrategy::parse("DO_NOTHING"),
        Some(MisfireStrategy::DoNothing)
    );
    assert_eq!(
        MisfireStrategy::parse("FIRE_ONCE_NOW"),
        Some(MisfireStrategy::FireOnceNow)
    );
    assert_eq!(MisfireStrategy::parse("fire_once_now"), None);
    assert_eq!(MisfireStrategy::parse(""), None);
    assert_eq!(
        MisfireStrategy::from_db("FIRE_ONCE_NOW"),
        MisfireStrategy::FireOnceNow
    );
    assert_eq!(MisfireStrategy::from_db(""), MisfireStrategy::DoNothing);
    assert_eq!(
        MisfireStrategy::from_db("SOMETHING_ELSE"),
        MisfireStrategy::DoNothing
    );
    for s in [MisfireStrategy::DoNothing, MisfireStrategy::FireOnceNow] {
        assert_eq!(MisfireStrategy::parse(s.as_str()), Some(s));
    }
    assert_eq!(FireKind::Scheduled.trigger_type(), "CRON");
    assert_eq!(FireKind::Misfire.trigger_type(), "MISFIRE");
}
