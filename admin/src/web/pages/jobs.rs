//! Jobs: list with filters, add / edit / copy, delete, start / stop, trigger once.
//!
//! Every handler that names a job loads it first and checks the viewer's groups against
//! the job's group (and, on save, against the group the form asks for), so a normal user
//! can neither see nor operate another group's jobs by typing a URL.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{FieldErrors, FormData, Pager, optional_number, query_string, render};
use crate::error::{Error, Result};
use crate::service::jobs::{self, JobInput, TriggerInput};
use crate::store::{JobFilter, JobGroup, JobInfo};
use crate::web::WebState;
use crate::web::context::Viewer;
use crate::web::error::HtmlError;
use crate::web::query::PageQuery;

/// Routing strategies offered by the form (XXL-JOB's order).
const ROUTES: &[&str] = &[
    "FIRST",
    "LAST",
    "ROUND",
    "RANDOM",
    "CONSISTENT_HASH",
    "LEAST_FREQUENTLY_USED",
    "LEAST_RECENTLY_USED",
    "FAILOVER",
    "BUSYOVER",
    "SHARDING_BROADCAST",
];
/// Block strategies offered by the form.
const BLOCKS: &[&str] = &["SERIAL_EXECUTION", "DISCARD_LATER", "COVER_EARLY"];
/// GLUE types offered by the form.
const GLUES: &[&str] = &[
    "BEAN",
    "GLUE_GROOVY",
    "GLUE_SHELL",
    "GLUE_PYTHON",
    "GLUE_PHP",
    "GLUE_NODEJS",
    "GLUE_POWERSHELL",
];

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    ctx: crate::web::context::Ctx,
    jobs: Vec<JobInfo>,
    groups: Vec<JobGroup>,
    query: ListQuery,
    group: Option<i32>,
    pager: Pager,
}

impl JobsPage {
    fn is_group(&self, id: &i32) -> bool {
        self.group == Some(*id)
    }

    fn group_title(&self, id: &i32) -> &str {
        self.groups
            .iter()
            .find(|g| g.id == *id)
            .map_or("", |g| g.title.as_str())
    }
}

/// The form's values as typed: every field as text, so a rejected form shows what was sent.
#[derive(Debug, Default, Clone)]
struct JobFields {
    job_group: String,
    job_desc: String,
    author: String,
    alarm_email: String,
    alarm_webhook: String,
    schedule_type: String,
    schedule_conf: String,
    time_zone: String,
    misfire_strategy: String,
    route: String,
    block: String,
    timeout: String,
    retry: String,
    child_job_id: String,
    glue_type: String,
    handler: String,
    param: String,
}

impl JobFields {
    fn from_form(form: &FormData) -> Self {
        let get = |name: &str| form.get(name).to_string();
        Self {
            job_group: get("jobGroup"),
            job_desc: get("jobDesc"),
            author: get("author"),
            alarm_email: get("alarmEmail"),
            alarm_webhook: get("alarmWebhook"),
            schedule_type: get("scheduleType"),
            schedule_conf: get("scheduleConf"),
            time_zone: get("timeZone"),
            misfire_strategy: get("misfireStrategy"),
            route: get("executorRouteStrategy"),
            block: get("executorBlockStrategy"),
            timeout: get("executorTimeout"),
            retry: get("executorFailRetryCount"),
            child_job_id: get("childJobId"),
            glue_type: get("glueType"),
            handler: get("executorHandler"),
            param: get("executorParam"),
        }
    }

    fn from_job(job: &JobInfo) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            job_group: job.job_group.to_string(),
            job_desc: job.job_desc.clone(),
            author: text(&job.author),
            alarm_email: text(&job.alarm_email),
            alarm_webhook: text(&job.alarm_webhook),
            schedule_type: job.schedule_type.clone(),
            schedule_conf: text(&job.schedule_conf),
            time_zone: text(&job.time_zone),
            misfire_strategy: job.misfire_strategy.clone(),
            route: text(&job.executor_route_strategy),
            block: text(&job.executor_block_strategy),
            timeout: job.executor_timeout.to_string(),
            retry: job.executor_fail_retry_count.to_string(),
            child_job_id: text(&job.child_jobid),
            glue_type: job.glue_type.clone(),
            handler: text(&job.executor_handler),
            param: text(&job.executor_param),
        }
    }

    fn new_job() -> Self {
        Self {
            schedule_type: "CRON".into(),
            misfire_strategy: "DO_NOTHING".into(),
            route: "FIRST".into(),
            block: "SERIAL_EXECUTION".into(),
            timeout: "0".into(),
            retry: "0".into(),
            glue_type: "BEAN".into(),
            ..Self::default()
        }
    }

    /// The service's input; numbers that do not parse are validation errors of their field.
    fn input(&self) -> Result<JobInput> {
        let number = |field: &str, value: &str| -> Result<Option<i32>> {
            let value = value.trim();
            if value.is_empty() {
                return Ok(Some(0));
            }
            value
                .parse()
                .map(Some)
                .map_err(|_| Error::validation(field, "must be a whole number"))
        };
        let group = number("jobGroup", &self.job_group)?;
        Ok(JobInput {
            job_group: group,
            job_desc: Some(self.job_desc.clone()),
            author: Some(self.author.clone()),
            alarm_email: Some(self.alarm_email.clone()),
            schedule_type: Some(self.schedule_type.clone()),
            schedule_conf: Some(self.schedule_conf.clone()),
            misfire_strategy: Some(self.misfire_strategy.clone()),
            executor_route_strategy: Some(self.route.clone()),
            executor_handler: Some(self.handler.clone()),
            executor_param: Some(self.param.clone()),
            executor_block_strategy: Some(self.block.clone()),
            executor_timeout: number("executorTimeout", &self.timeout)?,
            executor_fail_retry_count: number("executorFailRetryCount", &self.retry)?,
            glue_type: Some(self.glue_type.clone()),
            child_job_id: Some(self.child_job_id.clone()),
            time_zone: Some(self.time_zone.clone()),
            alarm_webhook: Some(self.alarm_webhook.clone()),
            ..JobInput::default()
        })
    }
}

#[derive(Template)]
#[template(path = "job_form.html")]
struct JobForm {
    ctx: crate::web::context::Ctx,
    editing: Option<i32>,
    f: JobFields,
    groups: Vec<JobGroup>,
    errors: FieldErrors,
    routes: &'static [&'static str],
    blocks: &'static [&'static str],
    glues: &'static [&'static str],
}

impl JobForm {
    fn group_selected(&self, id: &i32) -> bool {
        self.f.job_group == id.to_string()
    }
}

#[derive(Template)]
#[template(path = "job_trigger.html")]
struct TriggerForm {
    ctx: crate::web::context::Ctx,
    job: JobInfo,
}

/// Query of the job list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Group id; a normal user's first permitted group when blank.
    #[serde(default)]
    pub group: String,
    /// `""` all, `0` stopped, `1` running.
    #[serde(default)]
    pub status: String,
    /// Description contains.
    #[serde(default)]
    pub desc: String,
    /// Handler contains.
    #[serde(default)]
    pub handler: String,
    /// Author contains.
    #[serde(default)]
    pub author: String,
    /// 1-based page.
    pub page: Option<i64>,
}

/// `GET /jobs`.
pub async fn list(
    State(state): State<WebState>,
    viewer: Viewer,
    PageQuery(query): PageQuery<ListQuery>,
) -> std::result::Result<Response, HtmlError> {
    list_page(&state, &viewer, query).await
}

async fn list_page(
    state: &WebState,
    viewer: &Viewer,
    query: ListQuery,
) -> std::result::Result<Response, HtmlError> {
    let groups = visible_groups(state, viewer).await?;
    let group = optional_number::<i32>("group", &query.group).map_err(|e| viewer.fail(e))?;
    let status = optional_number::<i8>("status", &query.status).map_err(|e| viewer.fail(e))?;
    // Normal users always look at one permitted group (as XXL-JOB): the first by default.
    let group = match group {
        Some(id) => {
            viewer.require_group(id)?;
            Some(id)
        }
        None if viewer.user.is_admin() => None,
        None => groups.first().map(|g| g.id),
    };
    let blank = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = JobFilter {
        job_group: group,
        trigger_status: status,
        job_desc: blank(&query.desc),
        executor_handler: blank(&query.handler),
        author: blank(&query.author),
    };
    let (jobs, total) = if group.is_none() && !viewer.user.is_admin() {
        (Vec::new(), 0)
    } else {
        jobs::list(&state.app, &filter, Pager::window(query.page))
            .await
            .map_err(|e| viewer.fail(e))?
    };
    let group_text = group.map(|g| g.to_string()).unwrap_or_default();
    let pager = Pager::new(
        query.page,
        total,
        &query_string(&[
            ("group", &group_text),
            ("status", query.status.trim()),
            ("desc", query.desc.trim()),
            ("handler", query.handler.trim()),
            ("author", query.author.trim()),
        ]),
    );
    Ok(render(&JobsPage {
        ctx: viewer.ctx("nav.jobs"),
        jobs,
        groups,
        query,
        group,
        pager,
    }))
}

/// The groups the viewer may see: all for administrators, the permitted ones otherwise.
pub async fn visible_groups(
    state: &WebState,
    viewer: &Viewer,
) -> std::result::Result<Vec<JobGroup>, HtmlError> {
    let groups = state
        .app
        .store
        .all_groups()
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(groups
        .into_iter()
        .filter(|g| viewer.user.may_access_group(g.id))
        .collect())
}

/// The job `id`, if the viewer may operate its group.
pub async fn permitted_job(
    state: &WebState,
    viewer: &Viewer,
    id: i32,
) -> std::result::Result<JobInfo, HtmlError> {
    let job = jobs::get(&state.app, id)
        .await
        .map_err(|e| viewer.fail(e))?;
    viewer.require_group(job.job_group)?;
    Ok(job)
}

/// Query of the new-job form: `?copy=ID` starts from a copy of job ID.
#[derive(Debug, Deserialize)]
pub struct NewQuery {
    /// The job to copy.
    pub copy: Option<i32>,
}

/// `GET /jobs/new`.
pub async fn new_form(
    State(state): State<WebState>,
    viewer: Viewer,
    PageQuery(query): PageQuery<NewQuery>,
) -> Response {
    let fields = match query.copy {
        None => JobFields::new_job(),
        Some(id) => match permitted_job(&state, &viewer, id).await {
            Ok(job) => JobFields::from_job(&job),
            Err(e) => return e.into_response(),
        },
    };
    show(
        &state,
        &viewer,
        None,
        fields,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `GET /jobs/{id}/edit`.
pub async fn edit_form(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<i32>,
) -> Response {
    match permitted_job(&state, &viewer, id).await {
        Ok(job) => {
            let fields = JobFields::from_job(&job);
            show(
                &state,
                &viewer,
                Some(id),
                fields,
                FieldErrors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /jobs`.
pub async fn create(State(state): State<WebState>, viewer: Viewer, body: Bytes) -> Response {
    save(
        &state,
        &viewer,
        None,
        JobFields::from_form(&FormData::parse(&body)),
    )
    .await
}

/// `POST /jobs/{id}`.
pub async fn update(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<i32>,
    body: Bytes,
) -> Response {
    if let Err(e) = permitted_job(&state, &viewer, id).await {
        return e.into_response();
    }
    save(
        &state,
        &viewer,
        Some(id),
        JobFields::from_form(&FormData::parse(&body)),
    )
    .await
}

async fn save(
    state: &WebState,
    viewer: &Viewer,
    editing: Option<i32>,
    fields: JobFields,
) -> Response {
    let result = match fields.input() {
        Ok(input) => {
            // The target group must be one of the viewer's too (a job cannot be moved away).
            if let Some(group) = input.job_group.filter(|g| *g > 0)
                && let Err(e) = viewer.require_group(group)
            {
                return e.into_response();
            }
            match editing {
                None => jobs::create(&state.app, input).await.map(|_| ()),
                Some(id) => jobs::update(&state.app, id, input).await.map(|_| ()),
            }
        }
        Err(e) => Err(e),
    };
    let Err(error) = result else {
        return Redirect::to(&format!(
            "{}/jobs?group={}",
            viewer.base,
            fields.job_group.trim()
        ))
        .into_response();
    };
    let mut errors = FieldErrors::default();
    if let Err(other) = errors.absorb(error) {
        return viewer.fail(other).into_response();
    }
    show(
        state,
        viewer,
        editing,
        fields,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn show(
    state: &WebState,
    viewer: &Viewer,
    editing: Option<i32>,
    f: JobFields,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    match visible_groups(state, viewer).await {
        Ok(groups) => {
            let form = JobForm {
                ctx: viewer.ctx("nav.jobs"),
                editing,
                f,
                groups,
                errors,
                routes: ROUTES,
                blocks: BLOCKS,
                glues: GLUES,
            };
            (status, render(&form)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// What a one-job action does.
#[derive(Debug, Clone, Copy)]
enum Action {
    Delete,
    Start,
    Stop,
}

async fn act(state: &WebState, viewer: &Viewer, id: i32, action: Action) -> Response {
    let job = match permitted_job(state, viewer, id).await {
        Ok(job) => job,
        Err(e) => return e.into_response(),
    };
    let result = match action {
        Action::Delete => jobs::delete(&state.app, id).await,
        Action::Start => jobs::start(&state.app, id).await.map(|_| ()),
        Action::Stop => jobs::stop(&state.app, id).await.map(|_| ()),
    };
    match result {
        Ok(()) => {
            Redirect::to(&format!("{}/jobs?group={}", viewer.base, job.job_group)).into_response()
        }
        Err(e) => viewer.fail(e).into_response(),
    }
}

/// `POST /jobs/{id}/delete`.
pub async fn delete(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<i32>,
) -> Response {
    act(&state, &viewer, id, Action::Delete).await
}

/// `POST /jobs/{id}/start`.
pub async fn start(State(state): State<WebState>, viewer: Viewer, Path(id): Path<i32>) -> Response {
    act(&state, &viewer, id, Action::Start).await
}

/// `POST /jobs/{id}/stop`.
pub async fn stop(State(state): State<WebState>, viewer: Viewer, Path(id): Path<i32>) -> Response {
    act(&state, &viewer, id, Action::Stop).await
}

/// `GET /jobs/{id}/trigger`: the run-once form (parameter, optional addresses).
pub async fn trigger_form(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<i32>,
) -> Response {
    match permitted_job(&state, &viewer, id).await {
        Ok(job) => render(&TriggerForm {
            ctx: viewer.ctx("nav.jobs"),
            job,
        }),
        Err(e) => e.into_response(),
    }
}

/// `POST /jobs/{id}/trigger`: runs the job once, then shows its logs.
pub async fn trigger(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<i32>,
    body: Bytes,
) -> Response {
    let job = match permitted_job(&state, &viewer, id).await {
        Ok(job) => job,
        Err(e) => return e.into_response(),
    };
    let form = FormData::parse(&body);
    let input = TriggerInput {
        executor_param: Some(form.get("executorParam").to_string()),
        address_list: Some(form.get("addressList").to_string()),
    };
    match jobs::trigger(&state.app, id, input).await {
        Ok(_) => Redirect::to(&format!(
            "{}/logs?group={}&job={id}",
            viewer.base, job.job_group
        ))
        .into_response(),
        Err(e) => viewer.fail(e).into_response(),
    }
}
