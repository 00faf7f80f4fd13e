//! Trigger logs: the filtered list, one run's page (alarm mails link to it) with its
//! rolling executor log, kill, and clearing old logs.
//!
//! As on the jobs page, every handler checks the log's (or the filter's) group against the
//! viewer's permitted groups before it reads or changes anything.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::jobs::{permitted_job, visible_groups};
use super::{FieldErrors, FormData, Pager, optional_number, query_string, render};
use crate::error::{Error, Result};
use crate::service::joblog::{self, ClearKind, escape_log_html};
use crate::service::logs::{self, DATETIME_FORMAT};
use crate::store::{JobGroup, JobLog, LogFilter};
use crate::web::WebState;
use crate::web::context::{Ctx, Viewer};
use crate::web::error::HtmlError;
use crate::web::query::PageQuery;

#[derive(Template)]
#[template(path = "logs.html")]
struct LogsPage {
    ctx: Ctx,
    logs: Vec<JobLog>,
    groups: Vec<JobGroup>,
    group: Option<i32>,
    query: ListQuery,
    errors: FieldErrors,
    pager: Pager,
}

impl LogsPage {
    fn is_group(&self, id: &i32) -> bool {
        self.group == Some(*id)
    }
}

#[derive(Template)]
#[template(path = "log_detail.html")]
struct LogPage {
    ctx: Ctx,
    log: JobLog,
    trigger_msg: String,
    handle_msg: String,
}

impl LogPage {
    fn running(&self) -> bool {
        self.log.trigger_code == 200 && self.log.handle_code == 0
    }
}

/// Query of the log list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Group id; a normal user's first permitted group when blank.
    #[serde(default)]
    pub group: String,
    /// Job id.
    #[serde(default)]
    pub job: String,
    /// `success`, `failure`, `running` or blank.
    #[serde(default)]
    pub status: String,
    /// Triggered at or after (`yyyy-MM-dd HH:mm:ss`).
    #[serde(default)]
    pub from: String,
    /// Triggered at or before.
    #[serde(default)]
    pub to: String,
    /// 1-based page.
    pub page: Option<i64>,
}

/// A log's status in words (message id) and CSS class.
pub fn status_of(log: &JobLog) -> (&'static str, &'static str) {
    match (log.trigger_code, log.handle_code) {
        (0, _) => ("logs.pending", ""),
        (200, 0) => ("logs.running", "warn"),
        (200, 200) => ("logs.success", "ok"),
        _ => ("logs.failure", "bad"),
    }
}

/// `GET /logs`.
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
    // The job id is typed by the user: a mistake is shown next to its field.
    let (job, job_error) = match optional_number::<i32>("job", &query.job) {
        Ok(job) => (job, None),
        Err(e) => (None, Some(e)),
    };
    let job = match job.filter(|j| *j > 0) {
        Some(id) => Some(permitted_job(state, viewer, id).await?),
        None => None,
    };
    let group = match (group, &job) {
        (_, Some(job)) => Some(job.job_group),
        (Some(id), None) => {
            viewer.require_group(id)?;
            Some(id)
        }
        (None, None) if viewer.user.is_admin() => None,
        (None, None) => groups.first().map(|g| g.id),
    };
    let mut errors = FieldErrors::default();
    let mut filter = LogFilter {
        job_group: group,
        job_id: job.as_ref().map(|j| j.id),
        ..LogFilter::default()
    };
    let tz = state.app.tz;
    let parsed = (|| -> Result<()> {
        if let Some(e) = job_error {
            return Err(e);
        }
        let status = query.status.trim();
        if !status.is_empty() {
            filter.status = Some(logs::parse_status("status", status)?);
        }
        if !query.from.trim().is_empty() {
            filter.from = Some(logs::parse_time("from", &query.from, tz)?);
        }
        if !query.to.trim().is_empty() {
            filter.to = Some(logs::parse_time("to", &query.to, tz)?);
        }
        Ok(())
    })();
    let listed = match parsed {
        Ok(()) if group.is_none() && !viewer.user.is_admin() => Ok((Vec::new(), 0)),
        Ok(()) => logs::list(&state.app, &filter, Pager::window(query.page)).await,
        Err(e) => Err(e),
    };
    let (rows, total, status) = match listed {
        Ok((rows, total)) => (rows, total, StatusCode::OK),
        Err(e) => {
            errors.absorb(e).map_err(|e| viewer.fail(e))?;
            (Vec::new(), 0, StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    let group_text = group.map(|g| g.to_string()).unwrap_or_default();
    let pager = Pager::new(
        query.page,
        total,
        &query_string(&[
            ("group", &group_text),
            ("job", query.job.trim()),
            ("status", query.status.trim()),
            ("from", query.from.trim()),
            ("to", query.to.trim()),
        ]),
    );
    let page = LogsPage {
        ctx: viewer.ctx("nav.logs"),
        logs: rows,
        groups,
        group,
        query,
        errors,
        pager,
    };
    Ok((status, render(&page)).into_response())
}

/// The log `id`, if the viewer may see its group.
async fn permitted_log(
    state: &WebState,
    viewer: &Viewer,
    id: i64,
) -> std::result::Result<JobLog, HtmlError> {
    let log = logs::get(&state.app, id)
        .await
        .map_err(|e| viewer.fail(e))?;
    viewer.require_group(log.job_group)?;
    Ok(log)
}

/// `GET /logs/{id}`: one run, with its messages and rolling log.
pub async fn detail(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Response {
    match permitted_log(&state, &viewer, id).await {
        Ok(log) => render(&LogPage {
            ctx: viewer.ctx("nav.logs"),
            trigger_msg: escape_log_html(log.trigger_msg.as_deref().unwrap_or_default()),
            handle_msg: escape_log_html(log.handle_msg.as_deref().unwrap_or_default()),
            log,
        }),
        Err(e) => e.into_response(),
    }
}

/// Query of the rolling log endpoint.
#[derive(Debug, Deserialize)]
pub struct TailQuery {
    /// First line wanted (1-based).
    pub from: Option<i32>,
}

/// `GET /logs/{id}/tail?from=N`: one poll of the run's executor log, as JSON
/// ([`joblog::LogTail`]; content already escaped for HTML except `<br>`, `<b>`).
pub async fn tail(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    PageQuery(query): PageQuery<TailQuery>,
) -> Response {
    if let Err(e) = permitted_log(&state, &viewer, id).await {
        return e.into_response();
    }
    match joblog::tail(&state.app, id, query.from.unwrap_or(1)).await {
        Ok(tail) => Json(tail).into_response(),
        Err(e) => (
            e.status(),
            Json(serde_json::json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

/// `POST /logs/{id}/kill`: stops a running fire on its executor.
pub async fn kill(State(state): State<WebState>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    if let Err(e) = permitted_log(&state, &viewer, id).await {
        return e.into_response();
    }
    match joblog::kill(&state.app, id).await {
        Ok(_) => Redirect::to(&format!("{}/logs/{id}", viewer.base)).into_response(),
        Err(e) => viewer.fail(e).into_response(),
    }
}

/// `POST /logs/clear` (`group`, `job`, XXL-JOB's `type` 1..9): clearing every group's logs
/// is for administrators; others clear within one of their groups.
pub async fn clear(State(state): State<WebState>, viewer: Viewer, body: Bytes) -> Response {
    let form = FormData::parse(&body);
    let number = |name: &str| form.get(name).trim().parse::<i32>().unwrap_or(0);
    let (mut group, job) = (number("group"), number("job"));
    if job > 0 {
        match permitted_job(&state, &viewer, job).await {
            Ok(found) => group = found.job_group,
            Err(e) => return e.into_response(),
        }
    }
    let allowed = if group > 0 {
        viewer.require_group(group)
    } else if viewer.user.is_admin() {
        Ok(())
    } else {
        Err(viewer.fail(Error::Forbidden(
            "only administrators clear the logs of every group".into(),
        )))
    };
    if let Err(e) = allowed {
        return e.into_response();
    }
    let cleared = match ClearKind::from_type(number("type")) {
        Ok(kind) => joblog::clear(&state.app, group, job, kind).await,
        Err(e) => Err(e),
    };
    match cleared {
        Ok(_) => {
            let id = |n: i32| if n > 0 { n.to_string() } else { String::new() };
            let query = query_string(&[("group", &id(group)), ("job", &id(job))]);
            Redirect::to(&format!("{}/logs?{query}", viewer.base)).into_response()
        }
        Err(e) => viewer.fail(e).into_response(),
    }
}

/// A log time as the list shows it.
pub fn shown(time: &Option<chrono::NaiveDateTime>) -> String {
    time.map(|t| t.format(DATETIME_FORMAT).to_string())
        .unwrap_or_default()
}
