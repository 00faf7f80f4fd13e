//! Jobs: create, change, start, stop, delete, with XXL-JOB's rules (PROTOCOL.md §3.4, §3.6,
//! §8.2).
//!
//! A job is validated whole, the same way whether it is new or changed, so a job in the
//! database is always one the scheduler can run: its schedule parses, its strategies are
//! known, its children exist. Starting a job (or changing the schedule of a running one)
//! puts its next fire after the scan's 5 s pre-read window, as XXL-JOB does, so the scan
//! never sees a fire that is already late.

use chrono_tz::Tz;
use jobwheel_executor::protocol::{BlockStrategy, GlueType, lenient};
use serde::Deserialize;

use crate::app::AppState;
use crate::dispatch::route::RouteStrategy;
use crate::dispatch::{TriggerRequest, TriggerType};
use crate::error::{Error, Result};
use crate::schedule::{MisfireStrategy, Schedule};
use crate::store::{JobFilter, JobInfo, Page};
use crate::time::{now_ms, now_naive};

/// A start takes effect after the scan's pre-read window (XXL-JOB's `PRE_READ_MS`).
pub const START_DELAY_MS: i64 = 5_000;
/// `job_desc` is VARCHAR(255).
const DESC_MAX_CHARS: usize = 255;

/// What a client sends to create or change a job, with XXL-JOB's field names. Every field
/// is optional: on create, missing fields take XXL-JOB's defaults (required ones fail
/// validation); on update they keep their current value. `""` clears an optional text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobInput {
    /// The executor group.
    #[serde(default, deserialize_with = "lenient::opt_i32")]
    pub job_group: Option<i32>,
    /// Description (3.5's `name` also accepted).
    #[serde(alias = "name")]
    pub job_desc: Option<String>,
    /// Owner.
    pub author: Option<String>,
    /// Comma-separated alarm addresses.
    pub alarm_email: Option<String>,
    /// `NONE`, `CRON` or `FIX_RATE`.
    pub schedule_type: Option<String>,
    /// Quartz cron expression, or seconds for `FIX_RATE`.
    pub schedule_conf: Option<String>,
    /// `DO_NOTHING` or `FIRE_ONCE_NOW`.
    pub misfire_strategy: Option<String>,
    /// A routing strategy name, e.g. `FIRST`, `ROUND`, `SHARDING_BROADCAST`.
    pub executor_route_strategy: Option<String>,
    /// BEAN handler name.
    pub executor_handler: Option<String>,
    /// Parameter passed to each run.
    pub executor_param: Option<String>,
    /// `SERIAL_EXECUTION`, `DISCARD_LATER` or `COVER_EARLY`.
    pub executor_block_strategy: Option<String>,
    /// Seconds; 0 = none.
    #[serde(default, deserialize_with = "lenient::opt_i32")]
    pub executor_timeout: Option<i32>,
    /// Retries after a failed trigger.
    #[serde(default, deserialize_with = "lenient::opt_i32")]
    pub executor_fail_retry_count: Option<i32>,
    /// `BEAN` or a `GLUE_*` type.
    pub glue_type: Option<String>,
    /// Script source of GLUE jobs.
    pub glue_source: Option<String>,
    /// Note of the script version.
    pub glue_remark: Option<String>,
    /// Comma-separated ids of jobs triggered after a success.
    pub child_job_id: Option<String>,
    /// IANA zone of the schedule; `""` = the admin's.
    pub time_zone: Option<String>,
    /// Webhook URL of this job's alarms; `""` = the admin's `alarm_webhook_url`.
    pub alarm_webhook: Option<String>,
    /// 1 = running (scheduled), 0 = stopped. New jobs are stopped unless 1 is given.
    #[serde(default, deserialize_with = "lenient::opt_i32")]
    pub trigger_status: Option<i32>,
}

/// One job.
pub async fn get(state: &AppState, id: i32) -> Result<JobInfo> {
    state
        .store
        .get_job(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("job {id}")))
}

/// Jobs matching `filter`, newest first, and the total count.
pub async fn list(state: &AppState, filter: &JobFilter, page: Page) -> Result<(Vec<JobInfo>, i64)> {
    state.store.list_jobs(filter, page).await
}

/// Creates a job, stopped unless `triggerStatus: 1` is given.
pub async fn create(state: &AppState, input: JobInput) -> Result<JobInfo> {
    let now = now_naive(state.tz);
    let desired = desired_status(input.trigger_status, 0)?;
    let mut job = merge(new_job_defaults(), input);
    job.add_time = Some(now);
    job.update_time = Some(now);
    job.glue_updatetime = Some(now);
    let plan = validate(state, &job).await?;
    set_schedule(&mut job, None, desired, &plan)?;
    let id = state.store.insert_job(&job).await?;
    get(state, id).await
}

/// Changes a job; fields not given keep their value. A running job whose schedule changed
/// gets its next fire recomputed; `triggerStatus` starts or stops it.
pub async fn update(state: &AppState, id: i32, input: JobInput) -> Result<JobInfo> {
    // The scan may advance the job's next fire between our read and our write; the guarded
    // write then fails and the edit is applied again over the fresh row, so a fire is never
    // scheduled twice by writing back a stale `trigger_next_time`.
    for _ in 0..UPDATE_ATTEMPTS {
        let current = get(state, id).await?;
        let job = edited(state, &current, input.clone()).await?;
        if state
            .store
            .update_job_guarded(&job, current.trigger_status, current.trigger_next_time)
            .await?
        {
            record_glue_version(state, &current, &job).await?;
            return get(state, id).await;
        }
    }
    Err(Error::Conflict(format!(
        "job {id} kept changing while it was being saved; try again"
    )))
}

/// Records a GLUE version when an edit changed a GLUE job's source, so a source changed
/// through the job (console form, `PUT /jobs/{id}`) shows in the history and can be
/// restored like one saved in the GLUE editor. The edit's `glueRemark` names the version
/// when it has the editor's 4 to 100 characters; otherwise [`EDITED_REMARK`] does.
async fn record_glue_version(state: &AppState, before: &JobInfo, after: &JobInfo) -> Result<()> {
    if after.glue_type.eq_ignore_ascii_case("BEAN") || after.glue_source == before.glue_source {
        return Ok(());
    }
    let remark = after
        .glue_remark
        .as_deref()
        .map(str::trim)
        .filter(|r| {
            after.glue_remark != before.glue_remark && (4..=100).contains(&r.chars().count())
        })
        .unwrap_or(EDITED_REMARK);
    state
        .store
        .save_glue(
            after.id,
            after.glue_source.as_deref(),
            remark,
            after.update_time.unwrap_or_else(|| now_naive(state.tz)),
            super::glue::VERSIONS_KEPT,
        )
        .await?;
    Ok(())
}

/// Remark of a GLUE version recorded by a job edit that gave none of its own.
pub const EDITED_REMARK: &str = "source changed with the job";

/// How often an edit is re-applied when the scheduler moved the job meanwhile.
const UPDATE_ATTEMPTS: usize = 5;

/// `current` with `input` applied, validated, its schedule recomputed when it changed.
async fn edited(state: &AppState, current: &JobInfo, input: JobInput) -> Result<JobInfo> {
    let desired = desired_status(input.trigger_status, current.trigger_status)?;
    let mut job = merge(current.clone(), input);
    job.id = current.id;
    job.update_time = Some(now_naive(state.tz));
    if job.glue_type != current.glue_type || job.glue_source != current.glue_source {
        job.glue_updatetime = job.update_time;
    }
    let plan = validate(state, &job).await?;
    set_schedule(&mut job, Some(current), desired, &plan)?;
    Ok(job)
}

/// Deletes a job with its logs and GLUE history.
pub async fn delete(state: &AppState, id: i32) -> Result<()> {
    if !state.store.delete_job(id).await? {
        return Err(Error::NotFound(format!("job {id}")));
    }
    Ok(())
}

/// Starts scheduling a job: its next fire is the first after now + 5 s.
pub async fn start(state: &AppState, id: i32) -> Result<JobInfo> {
    let job = get(state, id).await?;
    let plan = schedule_plan(&job, state.tz)?;
    let next = first_fire(&plan)?;
    state.store.set_job_schedule(id, 1, 0, next).await?;
    get(state, id).await
}

/// Stops scheduling a job (runs already triggered go on).
pub async fn stop(state: &AppState, id: i32) -> Result<JobInfo> {
    if !state.store.set_job_schedule(id, 0, 0, 0).await? {
        return Err(Error::NotFound(format!("job {id}")));
    }
    get(state, id).await
}

/// What a client may set for one manual run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerInput {
    /// Parameter of this run; the job's own when absent.
    pub executor_param: Option<String>,
    /// Comma-separated `http(s)://` executors for this run instead of the group's.
    pub address_list: Option<String>,
}

/// Triggers one run of a job now, outside its schedule (which it does not touch); returns
/// the new log ids (one per shard for a broadcast job).
pub async fn trigger(state: &AppState, id: i32, input: TriggerInput) -> Result<Vec<i64>> {
    let address_list = match input.address_list.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(list) => Some(crate::service::groups::http_addresses("addressList", list)?),
    };
    get(state, id).await?;
    let Some(dispatcher) = &state.dispatcher else {
        return Err(Error::Conflict(
            "this admin runs without a scheduler, so it cannot trigger jobs".to_string(),
        ));
    };
    let mut request = TriggerRequest::new(id, TriggerType::Api);
    request.executor_param = input.executor_param;
    request.address_list = address_list;
    dispatcher.trigger(request).await
}

/// The next `count` fire times (epoch ms) of a schedule from now, in zone `tz` (the admin's
/// when `None`): the console's and the API's preview. Fields are named as the caller's
/// query names them.
pub fn preview(
    state: &AppState,
    schedule_type: &str,
    schedule_conf: &str,
    tz: Option<&str>,
    count: usize,
) -> Result<(Tz, Vec<i64>)> {
    let schedule = parse_schedule(("type", schedule_type), ("conf", schedule_conf))?;
    let tz = match tz.map(str::trim).filter(|t| !t.is_empty()) {
        Some(name) => parse_zone("tz", name)?,
        None => state.tz,
    };
    Ok((tz, schedule.next_n(now_ms(), tz, count)))
}

/// A validated job's schedule and zone.
#[derive(Debug)]
struct SchedulePlan {
    schedule: Schedule,
    tz: Tz,
}

fn desired_status(given: Option<i32>, current: i8) -> Result<i8> {
    match given {
        None => Ok(current),
        Some(0) => Ok(0),
        Some(1) => Ok(1),
        Some(other) => Err(Error::validation(
            "triggerStatus",
            format!("{other} is not a status (0 = stopped, 1 = running)"),
        )),
    }
}

/// XXL-JOB's defaults for what a new job does not say.
fn new_job_defaults() -> JobInfo {
    JobInfo {
        misfire_strategy: "DO_NOTHING".to_string(),
        executor_route_strategy: Some("FIRST".to_string()),
        executor_block_strategy: Some(BlockStrategy::SerialExecution.as_str().to_string()),
        glue_type: GlueType::Bean.as_str().to_string(),
        ..JobInfo::default()
    }
}

/// `input` over `base`; no checks yet.
fn merge(base: JobInfo, input: JobInput) -> JobInfo {
    let text = |given: Option<String>, current: Option<String>| match given {
        None => current,
        Some(v) if v.trim().is_empty() => None,
        Some(v) => Some(v),
    };
    let trimmed = |given: Option<String>, current: Option<String>| {
        text(given.map(|v| v.trim().to_string()), current)
    };
    let name =
        |given: Option<String>, current: String| given.map_or(current, |v| v.trim().to_string());
    JobInfo {
        job_group: input.job_group.unwrap_or(base.job_group),
        job_desc: name(input.job_desc, base.job_desc),
        author: trimmed(input.author, base.author),
        alarm_email: trimmed(input.alarm_email, base.alarm_email),
        schedule_type: name(input.schedule_type, base.schedule_type),
        schedule_conf: trimmed(input.schedule_conf, base.schedule_conf),
        misfire_strategy: name(input.misfire_strategy, base.misfire_strategy),
        executor_route_strategy: trimmed(
            input.executor_route_strategy,
            base.executor_route_strategy,
        ),
        executor_handler: trimmed(input.executor_handler, base.executor_handler),
        executor_param: text(input.executor_param, base.executor_param),
        executor_block_strategy: trimmed(
            input.executor_block_strategy,
            base.executor_block_strategy,
        ),
        executor_timeout: input.executor_timeout.unwrap_or(base.executor_timeout),
        executor_fail_retry_count: input
            .executor_fail_retry_count
            .unwrap_or(base.executor_fail_retry_count),
        glue_type: name(input.glue_type, base.glue_type),
        glue_source: text(input.glue_source, base.glue_source),
        glue_remark: trimmed(input.glue_remark, base.glue_remark),
        child_jobid: trimmed(input.child_job_id, base.child_jobid),
        time_zone: trimmed(input.time_zone, base.time_zone),
        alarm_webhook: trimmed(input.alarm_webhook, base.alarm_webhook),
        ..base
    }
}

/// Checks every rule a schedulable job obeys; returns its parsed schedule.
async fn validate(state: &AppState, job: &JobInfo) -> Result<SchedulePlan> {
    check_fields(job)?;
    let plan = schedule_plan(job, state.tz)?;
    if state.store.get_group(job.job_group).await?.is_none() {
        return Err(Error::validation(
            "jobGroup",
            format!("executor group {} does not exist", job.job_group),
        ));
    }
    for child in child_ids(job)? {
        if child == job.id {
            return Err(Error::validation(
                "childJobId",
                "a job cannot be its own child",
            ));
        }
        if state.store.get_job(child).await?.is_none() {
            return Err(Error::validation(
                "childJobId",
                format!("job {child} does not exist"),
            ));
        }
    }
    Ok(plan)
}

/// The checks that need no database.
fn check_fields(job: &JobInfo) -> Result<()> {
    if let Some(url) = &job.alarm_webhook {
        crate::alarm::webhook::check_url("alarmWebhook", url)?;
    }
    if job.job_group <= 0 {
        return Err(Error::validation(
            "jobGroup",
            "an executor group id is required",
        ));
    }
    if job.job_desc.is_empty() {
        return Err(Error::validation("jobDesc", "a description is required"));
    }
    if job.job_desc.chars().count() > DESC_MAX_CHARS {
        return Err(Error::validation(
            "jobDesc",
            format!("must be at most {DESC_MAX_CHARS} characters long"),
        ));
    }
    if MisfireStrategy::parse(&job.misfire_strategy).is_none() {
        return Err(Error::validation(
            "misfireStrategy",
            format!(
                "`{}` is not a misfire strategy (DO_NOTHING, FIRE_ONCE_NOW)",
                job.misfire_strategy
            ),
        ));
    }
    let route = job.executor_route_strategy.as_deref().unwrap_or_default();
    if RouteStrategy::parse(route).is_none() {
        return Err(Error::validation(
            "executorRouteStrategy",
            format!("`{route}` is not a routing strategy"),
        ));
    }
    let block = job.executor_block_strategy.as_deref().unwrap_or_default();
    if BlockStrategy::parse(block).is_none() {
        return Err(Error::validation(
            "executorBlockStrategy",
            format!(
                "`{block}` is not a block strategy (SERIAL_EXECUTION, DISCARD_LATER, COVER_EARLY)"
            ),
        ));
    }
    let Some(glue) = GlueType::parse(&job.glue_type) else {
        return Err(Error::validation(
            "glueType",
            format!("`{}` is not a glue type", job.glue_type),
        ));
    };
    if glue == GlueType::Bean && job.executor_handler.is_none() {
        return Err(Error::validation(
            "executorHandler",
            "a BEAN job needs the name of its handler",
        ));
    }
    if job.executor_timeout < 0 {
        return Err(Error::validation(
            "executorTimeout",
            "must be 0 (none) or more",
        ));
    }
    if job.executor_fail_retry_count < 0 {
        return Err(Error::validation(
            "executorFailRetryCount",
            "must be 0 or more",
        ));
    }
    if let Some(bad) = crate::store::split_addresses(job.alarm_email.as_deref())
        .into_iter()
        .find(|e| !e.contains('@'))
    {
        return Err(Error::validation(
            "alarmEmail",
            format!("`{bad}` is not an email address"),
        ));
    }
    Ok(())
}

/// The ids of `childJobId`.
fn child_ids(job: &JobInfo) -> Result<Vec<i32>> {
    crate::store::split_addresses(job.child_jobid.as_deref())
        .into_iter()
        .map(|id| match id.parse::<i32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Error::validation(
                "childJobId",
                format!("`{id}` is not a job id"),
            )),
        })
        .collect()
}

/// Parses the job's schedule and zone, naming the job's fields in errors.
fn schedule_plan(job: &JobInfo, default_tz: Tz) -> Result<SchedulePlan> {
    let tz = match job.time_zone.as_deref() {
        Some(name) => parse_zone("timeZone", name)?,
        None => default_tz,
    };
    let schedule = parse_schedule(
        ("scheduleType", &job.schedule_type),
        (
            "scheduleConf",
            job.schedule_conf.as_deref().unwrap_or_default(),
        ),
    )?;
    Ok(SchedulePlan { schedule, tz })
}

/// Parses a schedule; `(field, value)` pairs name what the caller called them.
fn parse_schedule(schedule_type: (&str, &str), conf: (&str, &str)) -> Result<Schedule> {
    let (type_field, type_value) = schedule_type;
    let (conf_field, conf_value) = conf;
    Schedule::parse(type_value, Some(conf_value)).map_err(|e| match e {
        Error::Validation { field, message } if field == "schedule_type" => {
            Error::validation(type_field, message)
        }
        Error::Validation { message, .. } => Error::validation(conf_field, message),
        other => other,
    })
}

fn parse_zone(field: &str, name: &str) -> Result<Tz> {
    name.parse::<Tz>()
        .map_err(|_| Error::validation(field, format!("`{name}` is not an IANA time zone name")))
}

/// The first fire of a job being started: after now + [`START_DELAY_MS`].
fn first_fire(plan: &SchedulePlan) -> Result<i64> {
    if plan.schedule == Schedule::None {
        return Err(Error::validation(
            "scheduleType",
            "schedule type NONE cannot be started; give the job a CRON or FIX_RATE schedule",
        ));
    }
    plan.schedule
        .next_after(now_ms() + START_DELAY_MS, plan.tz)
        .ok_or_else(|| {
            Error::validation(
                "scheduleConf",
                "the schedule has no fire time in the future",
            )
        })
}

/// Sets the trigger columns of a created or edited job (PROTOCOL.md §3.6).
fn set_schedule(
    job: &mut JobInfo,
    current: Option<&JobInfo>,
    desired: i8,
    plan: &SchedulePlan,
) -> Result<()> {
    if desired == 0 {
        (
            job.trigger_status,
            job.trigger_last_time,
            job.trigger_next_time,
        ) = (0, 0, 0);
        return Ok(());
    }
    let unchanged = current.is_some_and(|c| {
        c.trigger_status == 1
            && c.schedule_type == job.schedule_type
            && c.schedule_conf == job.schedule_conf
            && c.time_zone == job.time_zone
    });
    if !unchanged {
        (
            job.trigger_status,
            job.trigger_last_time,
            job.trigger_next_time,
        ) = (1, 0, first_fire(plan)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> JobInfo {
        JobInfo {
            job_group: 1,
            job_desc: "demo".into(),
            schedule_type: "CRON".into(),
            schedule_conf: Some("0 0/5 * * * ?".into()),
            executor_handler: Some("demoJobHandler".into()),
            ..new_job_defaults()
        }
    }

    fn field(result: Result<impl std::fmt::Debug>) -> String {
        match result {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn fields_are_named_in_errors() {
        assert!(check_fields(&valid()).is_ok());
        let cases: Vec<(&str, JobInfo)> = vec![
            (
                "jobGroup",
                JobInfo {
                    job_group: 0,
                    ..valid()
                },
            ),
            (
                "jobDesc",
                JobInfo {
                    job_desc: String::new(),
                    ..valid()
                },
            ),
            (
                "misfireStrategy",
                JobInfo {
                    misfire_strategy: "NOPE".into(),
                    ..valid()
                },
            ),
            (
                "executorRouteStrategy",
                JobInfo {
                    executor_route_strategy: None,
                    ..valid()
                },
            ),
            (
                "executorBlockStrategy",
                JobInfo {
                    executor_block_strategy: Some("X".into()),
                    ..valid()
                },
            ),
            (
                "glueType",
                JobInfo {
                    glue_type: "GLUE_COBOL".into(),
                    ..valid()
                },
            ),
            (
                "executorHandler",
                JobInfo {
                    executor_handler: None,
                    ..valid()
                },
            ),
            (
                "executorTimeout",
                JobInfo {
                    executor_timeout: -1,
                    ..valid()
                },
            ),
            (
                "executorFailRetryCount",
                JobInfo {
                    executor_fail_retry_count: -1,
                    ..valid()
                },
            ),
            (
                "alarmEmail",
                JobInfo {
                    alarm_email: Some("a@b.c,nobody".into()),
                    ..valid()
                },
            ),
        ];
        for (expected, job) in cases {
            assert_eq!(field(check_fields(&job)), expected);
        }
        let glue = JobInfo {
            glue_type: "GLUE_SHELL".into(),
            executor_handler: None,
            ..valid()
        };
        assert!(check_fields(&glue).is_ok(), "GLUE jobs need no handler");
        assert_eq!(
            field(child_ids(&JobInfo {
                child_jobid: Some("1, x".into()),
                ..valid()
            })),
            "childJobId"
        );
        assert_eq!(
            child_ids(&JobInfo {
                child_jobid: Some(" 3,4 ".into()),
                ..valid()
            })
            .unwrap(),
            [3, 4]
        );
        let tz = chrono_tz::UTC;
        assert_eq!(
            field(schedule_plan(
                &JobInfo {
                    schedule_type: "FIX_DELAY".into(),
                    ..valid()
                },
                tz
            )),
            "scheduleType"
        );
        assert_eq!(
            field(schedule_plan(
                &JobInfo {
                    schedule_conf: Some("0 0 25 * * ?".into()),
                    ..valid()
                },
                tz
            )),
            "scheduleConf"
        );
        assert_eq!(
            field(schedule_plan(
                &JobInfo {
                    time_zone: Some("Mars/Base".into()),
                    ..valid()
                },
                tz
            )),
            "timeZone"
        );
    }

    #[test]
    fn merge_keeps_omitted_fields_and_clears_blank_ones() {
        let base = JobInfo {
            author: Some("ops".into()),
            executor_param: Some("p".into()),
            ..valid()
        };
        let merged = merge(
            base,
            JobInput {
                job_desc: Some("  renamed ".into()),
                executor_param: Some(String::new()),
                ..JobInput::default()
            },
        );
        assert_eq!(merged.job_desc, "renamed");
        assert_eq!(merged.author.as_deref(), Some("ops"));
        assert_eq!(merged.executor_param, None);
        assert_eq!(merged.schedule_conf.as_deref(), Some("0 0/5 * * * ?"));
    }

    #[test]
    fn starting_puts_the_first_fire_after_the_pre_read_window() {
        let tz = chrono_tz::UTC;
        let mut job = valid();
        let plan = schedule_plan(&job, tz).unwrap();
        let before = now_ms();
        set_schedule(&mut job, None, 1, &plan).unwrap();
        assert_eq!(job.trigger_status, 1);
        assert!(job.trigger_next_time > before + START_DELAY_MS);
        // An unchanged running job keeps its next fire; a changed schedule moves it.
        let running = JobInfo {
            trigger_next_time: 42,
            ..job.clone()
        };
        let mut same = running.clone();
        set_schedule(&mut same, Some(&running), 1, &plan).unwrap();
        assert_eq!(same.trigger_next_time, 42);
        let mut changed = JobInfo {
            schedule_conf: Some("0 0 * * * ?".into()),
            ..running.clone()
        };
        let changed_plan = schedule_plan(&changed, tz).unwrap();
        set_schedule(&mut changed, Some(&running), 1, &changed_plan).unwrap();
        assert_eq!(changed.trigger_next_time % 3_600_000, 0);
        let mut stopped = running.clone();
        set_schedule(&mut stopped, Some(&running), 0, &plan).unwrap();
        assert_eq!((stopped.trigger_status, stopped.trigger_next_time), (0, 0));
        let none = JobInfo {
            schedule_type: "NONE".into(),
            ..valid()
        };
        let none_plan = schedule_plan(&none, tz).unwrap();
        assert_eq!(
            field(set_schedule(&mut none.clone(), None, 1, &none_plan)),
            "scheduleType"
        );
    }
}
