//! A fire: one decision to call a job's executor, on its way from the wheel (or a manual
//! trigger, a retry, a parent job) through a dispatch pool to the executor.
//!
//! A fire always has a log row already: a scheduled fire's row is the durable intent the scan
//! wrote (`Pending`, so it must be claimed before use); a manual fire's row is inserted
//! `Claimed` by the dispatcher. Overrides that are not in the row (a manual address list)
//! travel with the fire in memory only.

use std::fmt;
use std::str::FromStr;

use crate::store::JobLog;

/// Why a job was triggered (`TriggerTypeEnum`, PROTOCOL.md §3.9); stored as text in
/// `jobwheel_trigger_type` and shown in the trigger message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TriggerType {
    /// Operator's "run once" in the console.
    Manual,
    /// Scheduled by cron or FIX_RATE.
    Cron,
    /// Fail retry of a failed log.
    Retry,
    /// Child job of a successful parent.
    Parent,
    /// REST API.
    Api,
    /// Compensation of a missed fire (misfire strategy FIRE_ONCE_NOW).
    Misfire,
}

impl TriggerType {
    /// Every trigger type.
    pub const ALL: [TriggerType; 6] = [
        Self::Manual,
        Self::Cron,
        Self::Retry,
        Self::Parent,
        Self::Api,
        Self::Misfire,
    ];

    /// The stored name (XXL-JOB's enum constant).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "MANUAL",
            Self::Cron => "CRON",
            Self::Retry => "RETRY",
            Self::Parent => "PARENT",
            Self::Api => "API",
            Self::Misfire => "MISFIRE",
        }
    }

    /// The title shown in `trigger_msg` (XXL-JOB's English i18n).
    pub fn title(self) -> &'static str {
        match self {
            Self::Manual => "Manual trigger",
            Self::Cron => "Cron trigger",
            Self::Retry => "Fail retry trigger",
            Self::Parent => "Parent job trigger",
            Self::Api => "Api trigger",
            Self::Misfire => "Misfire compensation trigger",
        }
    }
}

impl fmt::Display for TriggerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TriggerType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown trigger type `{s}`"))
    }
}

/// One fire of one job, ready for a dispatch pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Fire {
    /// The log row (for broadcast: shard 0's row).
    pub log_id: i64,
    /// The job.
    pub job_id: i32,
    /// The instant the fire stands for (epoch ms): the executor's `logDateTime`.
    pub fire_at: i64,
    /// Why it fires.
    pub trigger_type: TriggerType,
    /// True when the row is a `Pending` intent that must be claimed before the executor is
    /// called (another admin may take it first); false when the row is already ours.
    pub needs_claim: bool,
    /// Retries left after this one (the log row's `executor_fail_retry_count`).
    pub fail_retry_count: i32,
    /// Parameter override; `None` uses the job's.
    pub executor_param: Option<String>,
    /// "i/n" of one shard (a retried or manually fanned-out shard); `None` lets a
    /// SHARDING_BROADCAST job fan out over every address.
    pub sharding_param: Option<String>,
    /// Comma-separated addresses replacing the group's for this fire only (manual trigger).
    pub address_list: Option<String>,
}

impl Fire {
    /// A fire for a `Pending` log row written by a scan (or left by a dead admin).
    pub fn from_intent(log: &JobLog, trigger_type: TriggerType) -> Self {
        Self {
            log_id: log.id,
            job_id: log.job_id,
            fire_at: log.fire_at.unwrap_or_default(),
            trigger_type,
            needs_claim: true,
            fail_retry_count: log.executor_fail_retry_count,
            executor_param: log.executor_param.clone(),
            sharding_param: log.executor_sharding_param.clone(),
            address_list: None,
        }
    }

    /// For tests: the scheduled fire of job 1's `Pending` row `log_id`, due at `fire_at`.
    #[cfg(test)]
    pub(crate) fn test_intent(log_id: i64, fire_at: i64) -> Self {
        let log = JobLog {
            id: log_id,
            job_id: 1,
            fire_at: Some(fire_at),
            ..JobLog::default()
        };
        Self::from_intent(&log, TriggerType::Cron)
    }
}

/// Parses a sharding parameter "i/n" into `(index, total)`; `None` when malformed or out of
/// range (the fire then runs unsharded, as XXL-JOB does).
pub fn parse_sharding(param: &str) -> Option<(usize, usize)> {
    let (index, total) = param.trim().split_once('/')?;
    let index: usize = index.trim().parse().ok()?;
    let total: usize = total.trim().parse().ok()?;
    (total > 0 && index < total).then_some((index, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_types_round_trip_as_text() {
        for t in TriggerType::ALL {
            assert_eq!(t.as_str().parse::<TriggerType>(), Ok(t));
        }
        assert_eq!("misfire".parse::<TriggerType>(), Ok(TriggerType::Misfire));
        assert!("LATER".parse::<TriggerType>().is_err());
    }

    #[test]
    fn sharding_params_parse_only_when_sane() {
        assert_eq!(parse_sharding("0/1"), Some((0, 1)));
        assert_eq!(parse_sharding(" 2 / 3 "), Some((2, 3)));
        assert_eq!(parse_sharding("3/3"), None);
        assert_eq!(parse_sharding("1/0"), None);
        assert_eq!(parse_sharding("x"), None);
    }
}
