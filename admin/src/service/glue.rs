//! A job's GLUE source (the script a GLUE job runs) and its version history
//! (`xxl_job_logglue`, PROTOCOL.md §8.2 `/jobcode/save`).
//!
//! Every save records a version and keeps the newest [`VERSIONS_KEPT`], so an operator can
//! see what ran when and put an older script back. The source travels to the executor in
//! every trigger (`glueSource`, `glueUpdatetime`), so a save takes effect at the next fire.

use chrono::NaiveDateTime;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::store::GlueVersion;
use crate::time::now_naive;

/// Versions kept per job (XXL-JOB's number).
pub const VERSIONS_KEPT: i64 = 30;

/// A job's current GLUE source.
#[derive(Debug, Clone, PartialEq)]
pub struct GlueSource {
    /// The job.
    pub job_id: i32,
    /// `BEAN` or a `GLUE_*` type.
    pub glue_type: String,
    /// The script.
    pub glue_source: Option<String>,
    /// Note of this version.
    pub glue_remark: Option<String>,
    /// When it was last saved.
    pub glue_updatetime: Option<NaiveDateTime>,
}

/// The current source of job `job_id`.
pub async fn get(state: &AppState, job_id: i32) -> Result<GlueSource> {
    let job = super::jobs::get(state, job_id).await?;
    Ok(GlueSource {
        job_id,
        glue_type: job.glue_type,
        glue_source: job.glue_source,
        glue_remark: job.glue_remark,
        glue_updatetime: job.glue_updatetime,
    })
}

/// Saves a new source of job `job_id` with a remark of 4 to 100 characters (XXL-JOB's
/// rule), recording it as a version.
pub async fn save(state: &AppState, job_id: i32, source: &str, remark: &str) -> Result<GlueSource> {
    let remark = remark.trim();
    let length = remark.chars().count();
    if !(4..=100).contains(&length) {
        return Err(Error::validation(
            "glueRemark",
            "must be 4 to 100 characters",
        ));
    }
    let job = super::jobs::get(state, job_id).await?;
    if job.glue_type.eq_ignore_ascii_case("BEAN") {
        return Err(Error::Conflict(format!(
            "job {job_id} is a BEAN job; only GLUE jobs have a source"
        )));
    }
    let saved = state
        .store
        .save_glue(
            job_id,
            Some(source),
            remark,
            now_naive(state.tz),
            VERSIONS_KEPT,
        )
        .await?;
    if !saved {
        return Err(Error::NotFound(format!("job {job_id}")));
    }
    get(state, job_id).await
}

/// The saved versions of job `job_id`, newest first.
pub async fn versions(state: &AppState, job_id: i32) -> Result<Vec<GlueVersion>> {
    super::jobs::get(state, job_id).await?;
    state.store.glue_versions(job_id).await
}

/// Makes version `version_id` the job's source again (recorded as a new version with the
/// old remark, so the history shows the restore).
pub async fn restore(state: &AppState, job_id: i32, version_id: i32) -> Result<GlueSource> {
    let version = state
        .store
        .get_glue_version(version_id)
        .await?
        .filter(|v| v.job_id == job_id)
        .ok_or_else(|| Error::NotFound(format!("GLUE version {version_id} of job {job_id}")))?;
    let remark = restore_remark(&version.glue_remark);
    save(
        state,
        job_id,
        version.glue_source.as_deref().unwrap_or_default(),
        &remark,
    )
    .await
}

/// `restored: <remark>`, within the 100-character limit.
fn restore_remark(remark: &str) -> String {
    format!("restored: {remark}").chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_remarks_fit_the_limit() {
        assert_eq!(restore_remark("v1 fix"), "restored: v1 fix");
        assert_eq!(restore_remark(&"x".repeat(100)).chars().count(), 100);
    }
}
