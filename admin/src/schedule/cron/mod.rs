//! Quartz cron expressions, evaluated exactly as XXL-JOB evaluates them.
//!
//! XXL-JOB copies Quartz 2.5's `CronExpression`; a job moved from XXL-JOB must fire at the
//! same instants here, DST changes included. So this is a port of Quartz's semantics, not a
//! cron dialect of our own: `parse` builds the same value sets Quartz builds (a stricter
//! parser: input Quartz silently half-ignores, like `15X`, is rejected with a message), and
//! `next` ports `getTimeAfter` step by step on top of a Java-calendar emulation
//! (`calendar`) that reproduces its rollover and DST behaviour.
//!
//! Syntax: `second minute hour day-of-month month day-of-week [year]`, with `* ? , - /`,
//! `L`, `L-n`, `nW`, `LW` (day of month), `L`, `nL`, `n#k` (day of week, 1 = SUN … 7 = SAT),
//! JAN–DEC and SUN–SAT in any case. Exactly one of day-of-month and day-of-week is `?`.

mod calendar;
mod next;
mod parse;

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;

/// A parsed Quartz cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr {
    source: String,
    /// Boxed: the sets are large and a `Schedule` is passed around by value.
    sets: Box<Sets>,
}

/// The value sets Quartz keeps, in Quartz's encoding (see `parse` for the details).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Sets {
    seconds: BTreeSet<i64>,
    minutes: BTreeSet<i64>,
    hours: BTreeSet<i64>,
    /// Days 1–31, and "last day minus n" encoded as `LAST_DAY - n` (32..=62).
    days_of_month: BTreeSet<i64>,
    /// Days whose nearest weekday is wanted (`15W`, `LW`), same encoding.
    nearest_weekdays: BTreeSet<i64>,
    /// `?` in day of month.
    dom_unspecified: bool,
    /// Months 1–12.
    months: BTreeSet<i64>,
    /// Days of week 1 (SUN) – 7 (SAT).
    days_of_week: BTreeSet<i64>,
    /// `?` in day of week.
    dow_unspecified: bool,
    /// `nL`: the last such weekday of the month.
    last_day_of_week: bool,
    /// `n#k`: the k-th such weekday of the month (0 = not used).
    nth_day_of_week: i64,
    years: BTreeSet<i64>,
}

impl CronExpr {
    /// Parses a Quartz cron expression (case-insensitive).
    pub fn parse(expression: &str) -> Result<Self, CronError> {
        let sets = Box::new(parse::parse(&expression.to_ascii_uppercase())?);
        Ok(Self {
            source: expression.trim().to_string(),
            sets,
        })
    }

    /// Quartz's `getNextValidTimeAfter(after)` with `setTimeZone(tz)`: the first fire
    /// strictly after `after_ms` (epoch ms), on whole seconds, evaluated on the wall clock of
    /// `tz`. `None` when the expression never fires again (e.g. its years are past).
    pub fn next_after(&self, after_ms: i64, tz: Tz) -> Option<i64> {
        next::time_after(&self.sets, after_ms, tz)
    }

    /// The expression as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl FromStr for CronExpr {
    type Err = CronError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// The seven positions of a cron expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CronField {
    /// 0-59.
    Second,
    /// 0-59.
    Minute,
    /// 0-23.
    Hour,
    /// 1-31, `? L L-n nW LW`.
    DayOfMonth,
    /// 1-12 or JAN-DEC.
    Month,
    /// 1-7 (1 = SUN) or SUN-SAT, `? L nL n#k`.
    DayOfWeek,
    /// 1970-2299, optional.
    Year,
}

impl CronField {
    const ALL: [CronField; 7] = [
        Self::Second,
        Self::Minute,
        Self::Hour,
        Self::DayOfMonth,
        Self::Month,
        Self::DayOfWeek,
        Self::Year,
    ];

    /// The field's name as shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Second => "second",
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::DayOfMonth => "day-of-month",
            Self::Month => "month",
            Self::DayOfWeek => "day-of-week",
            Self::Year => "year",
        }
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an expression was rejected: which field (if one is to blame) and what is wrong,
/// e.g. "second field: 60 is out of range 0-59".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError {
    /// The offending field, `None` for whole-expression problems (field count, `?` rules).
    pub field: Option<CronField>,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl CronError {
    fn whole(message: impl Into<String>) -> Self {
        Self {
            field: None,
            message: message.into(),
        }
    }

    fn in_field(field: CronField, message: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            message: message.into(),
        }
    }
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{field} field: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CronError {}
