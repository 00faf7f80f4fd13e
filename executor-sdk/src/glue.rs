//! GLUE script jobs: the admin ships a script's source with the trigger and the executor runs
//! it (PROTOCOL.md §5.3).
//!
//! This is remote code execution by design, so it is **off** unless the app enables it with
//! [`ExecutorBuilder::enable_glue`](crate::ExecutorBuilder::enable_glue), and then only as
//! safe as the access token. GLUE_GROOVY (Java source) cannot run outside a JVM and is refused
//! with a clear message.

use std::path::{Path, PathBuf};

use tokio::process::Command;

use crate::context::JobContext;
use crate::protocol::GlueType;

/// One script version of one job: the runner keeps a worker per job as long as the script's
/// type and `glueUpdatetime` stay the same, as XXL-JOB does.
#[derive(Debug, Clone)]
pub(crate) struct Script {
    pub glue_type: GlueType,
    pub source: String,
    pub updated: i64,
    pub dir: PathBuf,
}

impl Script {
    /// `<dir>/<jobId>_<glueUpdatetime><suffix>`, XXL-JOB's file name.
    fn file(&self, job_id: i32, suffix: &str) -> PathBuf {
        self.dir.join(format!("{job_id}_{}{suffix}", self.updated))
    }

    /// Runs the script with argv `[interpreter, file, param, shardIndex, shardTotal]`.
    pub async fn run(self, ctx: JobContext) -> Result<String, String> {
        let Some((interpreter, suffix)) = self.glue_type.script() else {
            return Err(format!(
                "glueType[{}] is not a script",
                self.glue_type.as_str()
            ));
        };
        let file = self.file(ctx.job_id(), suffix);
        self.write_once(ctx.job_id(), &file)
            .await
            .map_err(|e| format!("cannot write the script {}: {e}", file.display()))?;

        let mut command = Command::new(interpreter);
        command
            .arg(&file)
            .arg(ctx.param())
            .arg(ctx.shard_index().to_string())
            .arg(ctx.shard_total().to_string());
        ctx.log(format!("----------- script file: {}", file.display()));
        let status = ctx
            .run_command(command)
            .await
            .map_err(|e| format!("cannot start `{interpreter}`: {e}"))?;
        match status.code() {
            Some(0) => Ok(String::new()),
            Some(code) => Err(format!("script exit value({code}) is failed")),
            None => Err("script exit value(-1) is failed (killed by a signal)".to_string()),
        }
    }

    /// Writes the source unless this version is already on disk; older versions of the job's
    /// script are deleted first, so the directory holds one file per job.
    async fn write_once(&self, job_id: i32, file: &Path) -> std::io::Result<()> {
        if tokio::fs::try_exists(file).await? {
            return Ok(());
        }
        tokio::fs::create_dir_all(&self.dir).await?;
        let prefix = format!("{job_id}_");
        let mut entries = tokio::fs::read_dir(&self.dir).await?;
        while let Some(entry) = entries.next_entry().await? {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
        // Written beside and renamed, so a concurrent run never executes half a script.
        let partial = file.with_extension("partial");
        tokio::fs::write(&partial, self.source.as_bytes()).await?;
        tokio::fs::rename(&partial, file).await
    }
}
