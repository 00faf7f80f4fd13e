//! Scheduling: when each job fires next, and what a scan does with a due job.
//!
//! * [`cron`]: Quartz cron expressions, evaluated in a job's time zone exactly as XXL-JOB does;
//! * [`kind`]: a job's schedule (`NONE`, `CRON`, `FIX_RATE`) and its next fire times;
//! * [`misfire`]: the misfire strategies and the pure per-job scan decision ([`plan_job`]).

pub mod cron;
pub mod kind;
pub mod misfire;

pub use cron::{CronError, CronExpr, CronField};
pub use kind::{Schedule, job_zone};
pub use misfire::{FireKind, JobPlan, MisfireStrategy, plan_job};
