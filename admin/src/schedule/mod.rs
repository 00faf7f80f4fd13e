//! Scheduling: when each job fires next, and how fires get from the database to the
//! dispatcher.
//!
//! * [`cron`]: Quartz cron expressions, evaluated in a job's time zone exactly as XXL-JOB does;
//! * [`kind`]: a job's schedule (`NONE`, `CRON`, `FIX_RATE`) and its next fire times;
//! * [`misfire`]: the misfire strategies and the pure per-job scan decision ([`plan_job`]);
//! * [`scan`]: the scan loop, which records due fires as durable intents under the DB lock;
//! * [`wheel`]: the millisecond time wheel the fires wait on until they are due;
//! * [`orphans`]: recovery of intents whose admin died before firing them;
//! * [`scheduler`]: all of the above started together and stopped in order.

pub mod cron;
pub mod kind;
pub mod misfire;
pub mod orphans;
pub mod scan;
pub mod scheduler;
pub mod wheel;

pub use cron::{CronError, CronExpr, CronField};
pub use kind::{Schedule, job_zone};
pub use misfire::{FireKind, JobPlan, MisfireStrategy, plan_job};
pub use scheduler::{Scheduler, spawn};
