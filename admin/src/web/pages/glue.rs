//! The GLUE editor of one job: its script in a plain textarea, a remark per save, and the
//! version history (the newest [`crate::service::glue::VERSIONS_KEPT`]) with restore.
//!
//! Everything goes through [`crate::service::glue`], the same functions REST v1 calls, so
//! the remark rule and the history limit hold whichever way a script is saved. The job's
//! group is checked first, as on every other job page.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::jobs::permitted_job;
use super::{FieldErrors, FormData, render};
use crate::error::Error;
use crate::service::glue;
use crate::store::{GlueVersion, JobInfo};
use crate::web::WebState;
use crate::web::context::{Ctx, Viewer};
use crate::web::error::HtmlError;

#[derive(Template)]
#[template(path = "glue.html")]
struct GluePage {
    ctx: Ctx,
    job: JobInfo,
    source: String,
    remark: String,
    versions: Vec<GlueVersion>,
    errors: FieldErrors,
}

/// The job `id` if the viewer may operate it and it is a GLUE job (a BEAN job has no
/// source to edit).
async fn glue_job(
    state: &WebState,
    viewer: &Viewer,
    id: i32,
) -> std::result::Result<JobInfo, HtmlError> {
    let job = permitted_job(state, viewer, id).await?;
    if job.glue_type.eq_ignore_ascii_case("BEAN") {
        return Err(viewer.fail(Error::Conflict(format!(
            "job {id} is a BEAN job; only GLUE jobs have a source"
        ))));
    }
    Ok(job)
}

/// `GET /jobs/{id}/glue`.
pub async fn editor(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<i32>,
) -> Response {
    match glue_job(&state, &viewer, id).await {
        Ok(job) => {
            let source = job.glue_source.clone().unwrap_or_default();
            show(
                &state,
                &viewer,
                job,
                source,
                String::new(),
                FieldErrors::default(),
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /jobs/{id}/glue`: saves the source as a new version.
pub async fn save(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<i32>,
    body: Bytes,
) -> Response {
    let job = match glue_job(&state, &viewer, id).await {
        Ok(job) => job,
        Err(e) => return e.into_response(),
    };
    let form = FormData::parse(&body);
    let (source, remark) = (form.get("glueSource"), form.get("glueRemark"));
    let Err(error) = glue::save(&state.app, id, source, remark).await else {
        return Redirect::to(&format!("{}/jobs/{id}/glue", viewer.base)).into_response();
    };
    let mut errors = FieldErrors::default();
    if let Err(other) = errors.absorb(error) {
        return viewer.fail(other).into_response();
    }
    let page = show(&state, &viewer, job, source.into(), remark.into(), errors).await;
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// `POST /jobs/{id}/glue/{version}/restore`: makes an old version the source again.
pub async fn restore(
    State(state): State<WebState>,
    viewer: Viewer,
    Path((id, version)): Path<(i32, i32)>,
) -> Response {
    if let Err(e) = glue_job(&state, &viewer, id).await {
        return e.into_response();
    }
    match glue::restore(&state.app, id, version).await {
        Ok(_) => Redirect::to(&format!("{}/jobs/{id}/glue", viewer.base)).into_response(),
        Err(e) => viewer.fail(e).into_response(),
    }
}

async fn show(
    state: &WebState,
    viewer: &Viewer,
    job: JobInfo,
    source: String,
    remark: String,
    errors: FieldErrors,
) -> Response {
    match glue::versions(&state.app, job.id).await {
        Ok(versions) => render(&GluePage {
            ctx: viewer.ctx("nav.jobs"),
            job,
            source,
            remark,
            versions,
            errors,
        }),
        Err(e) => viewer.fail(e).into_response(),
    }
}
