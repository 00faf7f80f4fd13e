//! A job's schedule type and configuration (`xxl_job_info.schedule_type` / `schedule_conf`),
//! and the next fire times they produce.

use chrono_tz::Tz;

use super::cron::CronExpr;
use crate::store::JobInfo;
use crate::{Error, Result};

/// When a job fires on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Never: the job runs only when triggered by hand, and cannot be started.
    None,
    /// At the fire times of a Quartz cron expression, in the job's time zone.
    Cron(CronExpr),
    /// Every `seconds` seconds, counted from the previous scheduled time.
    FixRate {
        /// The period, at least 1.
        seconds: u32,
    },
}

impl Schedule {
    /// Reads `schedule_type` and `schedule_conf` as stored or as submitted by a user.
    /// Errors name the column at fault and say what is wrong with it.
    pub fn parse(schedule_type: &str, schedule_conf: Option<&str>) -> Result<Schedule> {
        let conf = schedule_conf.map(str::trim).filter(|c| !c.is_empty());
        match schedule_type.trim() {
            "NONE" => Ok(Self::None),
            "CRON" => {
                let expr = conf.ok_or_else(|| {
                    Error::validation("schedule_conf", "CRON needs a cron expression")
                })?;
                CronExpr::parse(expr)
                    .map(Self::Cron)
                    .map_err(|e| Error::validation("schedule_conf", e.to_string()))
            }
            "FIX_RATE" => {
                let text = conf.ok_or_else(|| {
                    Error::validation("schedule_conf", "FIX_RATE needs a number of seconds")
                })?;
                match text.parse::<u32>() {
                    Ok(seconds) if seconds >= 1 => Ok(Self::FixRate { seconds }),
                    _ => Err(Error::validation(
                        "schedule_conf",
                        format!(
                            "FIX_RATE needs a whole number of seconds from 1 to {}, found '{text}'",
                            u32::MAX
                        ),
                    )),
                }
            }
            "FIX_DELAY" => Err(Error::validation(
                "schedule_type",
                "FIX_DELAY is not supported (XXL-JOB declares it but never implemented it); \
                 use FIX_RATE",
            )),
            other => Err(Error::validation(
                "schedule_type",
                format!("unknown schedule type '{other}'; expected NONE, CRON or FIX_RATE"),
            )),
        }
    }

    /// The wire/DB name: `NONE`, `CRON` or `FIX_RATE`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Cron(_) => "CRON",
            Self::FixRate { .. } => "FIX_RATE",
        }
    }

    /// The first fire strictly after `from_ms` (epoch ms), `None` if there is none.
    ///
    /// * CRON: Quartz's `getNextValidTimeAfter` in `tz` (whole seconds).
    /// * FIX_RATE: `from + N s`, rounded *up* to a whole second when `from` has a millisecond
    ///   part, as XXL-JOB ≥ 3.4 does, so fires land on second boundaries (and stay there).
    ///   The zone plays no part: a fixed rate is elapsed time, not wall time.
    /// * NONE: never.
    pub fn next_after(&self, from_ms: i64, tz: Tz) -> Option<i64> {
        match self {
            Self::None => None,
            Self::Cron(expr) => expr.next_after(from_ms, tz),
            Self::FixRate { seconds } => {
                let next = from_ms.checked_add(i64::from(*seconds) * 1000)?;
                match next.rem_euclid(1000) {
                    0 => Some(next),
                    ms => next.checked_add(1000 - ms),
                }
            }
        }
    }

    /// Up to `n` successive fire times after `from_ms` (fewer if the schedule ends), for the
    /// console's "next fire times" preview.
    pub fn next_n(&self, from_ms: i64, tz: Tz, n: usize) -> Vec<i64> {
        std::iter::successors(self.next_after(from_ms, tz), |&t| self.next_after(t, tz))
            .take(n)
            .collect()
    }
}

/// The zone a job's schedule is evaluated in: its own `time_zone` if set, else `default`
/// (the admin's). An unknown zone name is a validation error on `time_zone`.
pub fn job_zone(job: &JobInfo, default: Tz) -> Result<Tz> {
    zone_named(job.time_zone.as_deref(), default)
}

/// The zone a job's `jobwheel_time_zone` names, `default` when it names none.
pub fn zone_named(time_zone: Option<&str>, default: Tz) -> Result<Tz> {
    match time_zone.map(str::trim) {
        None | Some("") => Ok(default),
        Some(name) => name.parse::<Tz>().map_err(|_| {
            Error::validation(
                "time_zone",
                format!("unknown time zone '{name}'; use an IANA name like 'Europe/Berlin'"),
            )
        }),
    }
}
