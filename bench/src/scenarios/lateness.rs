//! 1,000 jobs each firing every second for 60 s: how late each run starts on its executor
//! (handler start minus the scheduled instant it carries as `logDateTime`), and whether any
//! scheduled fire is missing or ran twice.

use anyhow::Result;

use super::pick;
use crate::Opts;
use crate::executors::{self, Judged, Run};
use crate::load::Load;
use crate::report::{Report, Target, percentile};

const NAME: &str = "lateness";

/// Runs the lateness scenario on every chosen database.
pub async fn run(opts: &Opts, report: &mut Report) -> Result<()> {
    let counts = if opts.lateness_jobs.is_empty() {
        vec![pick(opts, 1000, 50)]
    } else {
        opts.lateness_jobs.clone()
    };
    let secs = opts.lateness_secs.unwrap_or(pick(opts, 60, 2)) as i64;
    for kind in opts.kinds() {
        for &jobs in &counts {
            measure(opts, kind, jobs, secs, report).await?;
        }
    }
    Ok(())
}

/// Writes `runs` as CSV to `<path>-<suffix>.csv`.
fn write_runs(path: &std::path::Path, suffix: &str, runs: &[Run]) -> Result<()> {
    let mut csv = String::from("job_id,scheduled_ms,started_ms\n");
    for run in runs {
        csv.push_str(&format!(
            "{},{},{}\n",
            run.job_id, run.scheduled, run.started
        ));
    }
    let file = format!("{}-{suffix}.csv", path.display());
    std::fs::write(&file, csv)?;
    eprintln!("   runs written to {file}");
    Ok(())
}

/// One lateness run: `jobs` one-second jobs for `secs` seconds on `kind`.
async fn measure(
    opts: &Opts,
    kind: crate::db::Kind,
    jobs: i64,
    secs: i64,
    report: &mut Report,
) -> Result<()> {
    let load = Load::start(
        kind,
        &opts.mysql_url,
        &opts.admin_binary(),
        4,
        jobs,
        true,
        &[],
    )
    .await?;
    // Judge fires scheduled in [first, first + secs); leave 3 s for the last to arrive.
    let end = load.first_fire + secs * 1000;
    load.until(secs * 1000 + 3000).await;
    let runs = load.executors.recorder.runs();
    if let Some(path) = &opts.runs_csv {
        write_runs(path, &format!("{}-{jobs}", kind.name()), &runs)?;
    }
    // Every job fires on every whole second from the first: exactly `secs` fires each.
    let expected = jobs * secs;
    let Judged {
        late,
        missing,
        doubled,
    } = executors::judge(&runs, jobs, (load.first_fire, end), |run| run.scheduled);
    let subject = kind.name();
    let note = format!("{jobs} jobs × 1/s × {secs} s = {expected} fires, 4 executors");
    report.add(
        NAME,
        subject,
        &format!("p50 lateness, {jobs} jobs"),
        percentile(&late, 50.0),
        "ms",
        Target::None,
        note,
    );
    report.add(
        NAME,
        subject,
        &format!("p99 lateness, {jobs} jobs"),
        percentile(&late, 99.0),
        "ms",
        Target::AtMost(20.0),
        "",
    );
    report.add(
        NAME,
        subject,
        &format!("max lateness, {jobs} jobs"),
        percentile(&late, 100.0),
        "ms",
        Target::AtMost(100.0),
        "",
    );
    report.add(
        NAME,
        subject,
        &format!("missing fires, {jobs} jobs"),
        missing as f64,
        "",
        Target::AtMost(0.0),
        "",
    );
    report.add(
        NAME,
        subject,
        &format!("doubled fires, {jobs} jobs"),
        doubled as f64,
        "",
        Target::AtMost(0.0),
        "",
    );
    load.stop().await?;
    Ok(())
}
