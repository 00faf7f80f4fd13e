//! Quartz's `CronExpression.getTimeAfter`, ported step by step.
//!
//! The search walks a calendar forward field by field (second, minute, hour, day, month,
//! year). Whenever a field has to move, the smaller fields are reset and the loop starts
//! over, so the calendar's rollover and DST resolution (`super::calendar`) decide, exactly
//! as in Java, which wall-clock times exist. The structure, variable names and even Quartz's
//! quirks are kept on purpose (e.g. `L-n` beside plain days compares against a 31-day month,
//! `1W` never jumps back over the month start): fidelity is the point, and each deviation
//! would be a job that fires at a different instant than it did under XXL-JOB.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;

use super::Sets;
use super::calendar::{Calendar, Field, wall_to_epoch_ms};
use super::parse::{LAST_DAY, LAST_DAY_OFFSET_START, MAX_YEAR};

/// Quartz stops at year 2999 to prevent an endless loop.
const LOOP_GUARD_YEAR: i64 = 2999;
/// Our own safety net on top: no expression needs this many steps (an impossible one like
/// `0 0 0 30 2 ?` takes about three per year up to [`MAX_YEAR`]).
const MAX_STEPS: u32 = 100_000;

/// Java's `Calendar.DAY_OF_WEEK` values used by the `W` rule.
const SUNDAY: i64 = 1;
const SATURDAY: i64 = 7;

/// The first fire strictly after `after_ms`, or `None`.
pub(super) fn time_after(s: &Sets, after_ms: i64, tz: Tz) -> Option<i64> {
    use Field::*;

    // Move ahead one second, since we're computing the time *after* the given time; cron
    // does not deal with milliseconds (the `W` check below compares whole seconds).
    let after = after_ms.checked_add(1000)?;
    let after_second = after - after.rem_euclid(1000);
    let mut cl = Calendar::at(tz, after)?;
    cl.set(Millisecond, 0);

    for _ in 0..MAX_STEPS {
        if cl.get(Year)? > LOOP_GUARD_YEAR {
            return None;
        }

        let mut sec = cl.get(Second)?;
        let mut min = cl.get(Minute)?;

        // second
        match ceiling(&s.seconds, sec) {
            Some(v) => sec = v,
            None => {
                sec = first(&s.seconds)?;
                min += 1;
                cl.set(Minute, min);
            }
        }
        cl.set(Second, sec);

        min = cl.get(Minute)?;
        let mut hr = cl.get(HourOfDay)?;
        let mut t = -1;

        // minute
        match ceiling(&s.minutes, min) {
            Some(v) => {
                t = min;
                min = v;
            }
            None => {
                min = first(&s.minutes)?;
                hr += 1;
            }
        }
        if min != t {
            cl.set(Second, 0);
            cl.set(Minute, min);
            set_calendar_hour(&mut cl, hr)?;
            continue;
        }
        cl.set(Minute, min);

        hr = cl.get(HourOfDay)?;
        let mut day = cl.get(DayOfMonth)?;
        t = -1;

        // hour
        match ceiling(&s.hours, hr) {
            Some(v) => {
                t = hr;
                hr = v;
            }
            None => {
                hr = first(&s.hours)?;
                day += 1;
            }
        }
        if hr != t {
            cl.set(Second, 0);
            cl.set(Minute, 0);
            cl.set(DayOfMonth, day);
            set_calendar_hour(&mut cl, hr)?;
            continue;
        }
        cl.set(HourOfDay, hr);

        day = cl.get(DayOfMonth)?;
        let mut mon = cl.get(Month)? + 1;
        let tmon = mon;

        // day
        if !s.dom_unspecified && s.dow_unspecified {
            // by day-of-month rule
            let year = cl.get(Year)?;
            let smallest_day = find_smallest_day(day, mon, year, &s.days_of_month);
            let smallest_weekday = find_smallest_day(day, mon, year, &s.nearest_weekdays);
            t = day;
            day = -1;
            if let Some(d) = smallest_weekday {
                day = d;
                let ldom = last_day_of_month(mon, year)?;
                let dow = day_of_week(year, mon, day)?;
                if dow == SATURDAY && day == 1 {
                    day += 2;
                } else if dow == SATURDAY {
                    day -= 1;
                } else if dow == SUNDAY && day == ldom {
                    day -= 2;
                } else if dow == SUNDAY {
                    day += 1;
                }
                let fields = [year, mon - 1, day, hr, min, sec, 0];
                let n_time = wall_to_epoch_ms(super::calendar::lenient(&fields)?, tz)?;
                if n_time < after_second {
                    day = -1;
                }
            }
            // Quartz 2.5.2 restarts the search only when it moved to a plain/`L` day or to
            // the next month; a `W` day is taken as it is, with the time of day already found.
            let mut need_advance = false;
            match smallest_day {
                Some(d) if day == -1 || d < day => {
                    day = d;
                    need_advance = true;
                }
                Some(_) => {}
                None if day == -1 => {
                    day = 1;
                    mon += 1;
                    need_advance = true;
                }
                None => {}
            }
            if need_advance && (day != t || mon != tmon) {
                cl.set(Second, 0);
                cl.set(Minute, 0);
                cl.set(HourOfDay, 0);
                cl.set(DayOfMonth, day);
                cl.set(Month, mon - 1);
                continue;
            }
        } else if !s.dow_unspecified && s.dom_unspecified {
            // by day-of-week rule
            if s.last_day_of_week {
                // the last such weekday of the month
                let dow = first(&s.days_of_week)?;
                let c_dow = cl.day_of_week()?;
                let mut days_to_add = days_until(c_dow, dow);
                let l_day = last_day_of_month(mon, cl.get(Year)?)?;
                if day + days_to_add > l_day {
                    promote_month(&mut cl, mon);
                    continue;
                }
                while day + days_to_add + 7 <= l_day {
                    days_to_add += 7;
                }
                day += days_to_add;
                if days_to_add > 0 {
                    set_day(&mut cl, day, mon);
                    continue;
                }
            } else if s.nth_day_of_week != 0 {
                // the n-th such weekday of the month
                let dow = first(&s.days_of_week)?;
                let c_dow = cl.day_of_week()?;
                let mut days_to_add = days_until(c_dow, dow);
                let day_shifted = days_to_add > 0;
                day += days_to_add;
                let mut week_of_month = day / 7;
                if day % 7 > 0 {
                    week_of_month += 1;
                }
                days_to_add = (s.nth_day_of_week - week_of_month) * 7;
                day += days_to_add;
                if days_to_add < 0 || day > last_day_of_month(mon, cl.get(Year)?)? {
                    promote_month(&mut cl, mon);
                    continue;
                } else if days_to_add > 0 || day_shifted {
                    set_day(&mut cl, day, mon);
                    continue;
                }
            } else {
                let c_dow = cl.day_of_week()?;
                let dow = ceiling(&s.days_of_week, c_dow).or_else(|| first(&s.days_of_week))?;
                let days_to_add = days_until(c_dow, dow);
                let l_day = last_day_of_month(mon, cl.get(Year)?)?;
                if day + days_to_add > l_day {
                    promote_month(&mut cl, mon);
                    continue;
                } else if days_to_add > 0 {
                    set_day(&mut cl, day + days_to_add, mon);
                    continue;
                }
            }
        } else {
            // Both or neither: the parser rejects these expressions.
            return None;
        }
        cl.set(DayOfMonth, day);

        mon = cl.get(Month)? + 1;
        let mut year = cl.get(Year)?;
        t = -1;

        // An expression that never generates a valid fire date gives up here.
        if year > MAX_YEAR {
            return None;
        }

        // month
        match ceiling(&s.months, mon) {
            Some(v) => {
                t = mon;
                mon = v;
            }
            None => {
                mon = first(&s.months)?;
                year += 1;
            }
        }
        if mon != t {
            cl.set(Second, 0);
            cl.set(Minute, 0);
            cl.set(HourOfDay, 0);
            cl.set(DayOfMonth, 1);
            cl.set(Month, mon - 1);
            cl.set(Year, year);
            continue;
        }
        cl.set(Month, mon - 1);

        // year (none left: the expression has ended)
        t = cl.get(Year)?;
        year = ceiling(&s.years, t)?;
        if year != t {
            cl.set(Second, 0);
            cl.set(Minute, 0);
            cl.set(HourOfDay, 0);
            cl.set(DayOfMonth, 1);
            cl.set(Month, 0);
            cl.set(Year, year);
            continue;
        }
        cl.set(Year, year);

        return cl.epoch_ms();
    }
    None
}

/// Quartz's `setCalendarHour`: set the hour; if DST moved it (the hour does not exist that
/// day), take the next hour instead. Hour 24 is left to roll over into the next day.
fn set_calendar_hour(cl: &mut Calendar, hour: i64) -> Option<()> {
    cl.set(Field::HourOfDay, hour);
    if cl.get(Field::HourOfDay)? != hour && hour != 24 {
        cl.set(Field::HourOfDay, hour + 1);
    }
    Some(())
}

/// Start over at midnight of day 1 of month `mon` (1-based, so this is the *next* month).
fn promote_month(cl: &mut Calendar, mon: i64) {
    set_day(cl, 1, mon + 1);
}

/// Start over at midnight of `day` in month `mon` (1-based).
fn set_day(cl: &mut Calendar, day: i64, mon: i64) {
    cl.set(Field::Second, 0);
    cl.set(Field::Minute, 0);
    cl.set(Field::HourOfDay, 0);
    cl.set(Field::DayOfMonth, day);
    cl.set(Field::Month, mon - 1);
}

/// Days from weekday `c_dow` forward to weekday `dow` (0 to 6).
fn days_until(c_dow: i64, dow: i64) -> i64 {
    if c_dow < dow {
        dow - c_dow
    } else if c_dow > dow {
        dow + (7 - c_dow)
    } else {
        0
    }
}

/// `TreeSet.tailSet(v).first()`.
fn ceiling(set: &BTreeSet<i64>, v: i64) -> Option<i64> {
    set.range(v..).next().copied()
}

fn first(set: &BTreeSet<i64>) -> Option<i64> {
    set.first().copied()
}

fn last_day_of_month(mon: i64, year: i64) -> Option<i64> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match mon {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 => Some(if leap { 29 } else { 28 }),
        _ => None,
    }
}

/// 1 = Sunday … 7 = Saturday, of a (lenient) date.
fn day_of_week(year: i64, mon: i64, day: i64) -> Option<i64> {
    let first = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, u32::try_from(mon).ok()?, 1)?;
    let date = first.checked_add_signed(Duration::try_days(day - 1)?)?;
    Some(i64::from(date.weekday().number_from_sunday()))
}

/// Quartz's `findSmallestDay`: the first day >= `day` in `set` this month, from the plain
/// days (1–31, if the month has them) or the `L-n` codes. Note the comparison between a plain
/// day and an `L-n` candidate uses the candidate as if the month had 31 days — Quartz does
/// exactly that, so we do too.
fn find_smallest_day(day: i64, mon: i64, year: i64, set: &BTreeSet<i64>) -> Option<i64> {
    if set.is_empty() {
        return None;
    }
    let last_day = last_day_of_month(mon, year)?;
    let smallest = ceiling(set, LAST_DAY - (last_day - day))
        .map(|d| d - LAST_DAY_OFFSET_START + 1)
        .unwrap_or(i64::MAX);
    let plain = if day < LAST_DAY_OFFSET_START {
        ceiling(set, day).filter(|&d| d < LAST_DAY_OFFSET_START)
    } else {
        None
    };
    if let Some(plain) = plain.filter(|&d| d < smallest && d <= last_day) {
        return Some(plain);
    }
    if smallest == i64::MAX {
        None
    } else {
        Some(smallest + last_day - LAST_DAY_OFFSET_START + 1)
    }
}
