//! Every row of `shared/testdata/quartz-cron-golden.tsv` — fire times computed by XXL-JOB's
//! `CronExpression` (Quartz 2.5) on a JVM — must come out of `CronExpr` unchanged, so a job
//! moved from XXL-JOB fires at the same instants here.

use std::path::PathBuf;

use chrono_tz::Tz;
use jobwheel_admin::schedule::CronExpr;

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/quartz-cron-golden.tsv")
}

/// What one row expects.
enum Expected {
    Invalid,
    Fires(Vec<i64>),
}

struct Row {
    line: usize,
    expr: String,
    tz: Tz,
    from: i64,
    expected: Expected,
}

fn load(path: PathBuf) -> Vec<Row> {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the Quartz golden file {} is missing ({e}); it lives in the `shared` folder beside \
             the repository root",
            path.display()
        )
    });
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                cols.len(),
                4,
                "line {}: expected 4 tab-separated columns: {l}",
                i + 1
            );
            let expected = match cols[3] {
                "invalid" => Expected::Invalid,
                "none" => Expected::Fires(Vec::new()),
                list => Expected::Fires(
                    list.split(',')
                        .map(|t| t.parse().expect("fire time in epoch ms"))
                        .collect(),
                ),
            };
            Row {
                line: i + 1,
                expr: cols[0].to_string(),
                tz: cols[1].parse().expect("IANA zone"),
                from: cols[2].parse().expect("start in epoch ms"),
                expected,
            }
        })
        .collect()
}

/// Fire times chained as XXL-JOB chains them: each from the previous fire.
fn fires(expr: &CronExpr, from: i64, tz: Tz, n: usize) -> Vec<i64> {
    std::iter::successors(expr.next_after(from, tz), |&t| expr.next_after(t, tz))
        .take(n)
        .collect()
}

#[test]
fn every_golden_row_matches_quartz() {
    let rows = load(golden_path());
    assert!(
        rows.len() >= 200,
        "golden file looks truncated: {} rows",
        rows.len()
    );
    check(&rows);
}

/// More rows in the same format, e.g. from a differential run against a JVM:
/// `JOBWHEEL_EXTRA_CRON_GOLDEN=/path/rows.tsv cargo test --test cron_golden`.
#[test]
fn extra_golden_rows_match_quartz() {
    if let Some(path) = std::env::var_os("JOBWHEEL_EXTRA_CRON_GOLDEN") {
        check(&load(PathBuf::from(path)));
    }
}

/// Checks every row, then reports all mismatches at once.
fn check(rows: &[Row]) {
    let mut failures = Vec::new();
    for row in rows {
        let parsed = CronExpr::parse(&row.expr);
        let problem = match (&row.expected, parsed) {
            (Expected::Invalid, Err(_)) => None,
            (Expected::Invalid, Ok(_)) => Some("accepted, but Quartz rejects it".to_string()),
            (Expected::Fires(_), Err(e)) => Some(format!("rejected ({e}), but Quartz accepts it")),
            (Expected::Fires(want), Ok(expr)) => {
                // "none" rows check that there is no fire at all; others the next five.
                let got = fires(&expr, row.from, row.tz, want.len().max(1));
                (&got != want).then(|| format!("expected {want:?}, got {got:?}"))
            }
        };
        if let Some(problem) = problem {
            failures.push(format!(
                "line {}: '{}' in {} from {}: {problem}",
                row.line, row.expr, row.tz, row.from
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden rows differ from Quartz:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
