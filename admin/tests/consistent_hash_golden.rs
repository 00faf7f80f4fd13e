//! CONSISTENT_HASH routes every job exactly where XXL-JOB routes it.
//!
//! `shared/testdata/consistent-hash-golden.tsv` holds picks computed by XXL-JOB's own
//! `ExecutorRouteConsistentHash`; a mixed Java/Jobwheel cluster relies on agreeing with it.

use std::path::PathBuf;
use std::time::Duration;

use jobwheel_admin::dispatch::route::consistent_hash;
use jobwheel_admin::dispatch::{ExecutorClient, RouteOutcome, RouteStrategy, Routers};

struct Row {
    line: usize,
    job_id: i32,
    addresses: Vec<String>,
    expected: String,
}

fn golden_rows() -> Vec<Row> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/consistent-hash-golden.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden file {} is missing: {e}", path.display()));
    let rows: Vec<Row> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(index, line)| {
            let columns: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                columns.len(),
                3,
                "line {}: expected 3 columns: {line:?}",
                index + 1
            );
            Row {
                line: index + 1,
                job_id: columns[0].parse().expect("job id"),
                addresses: columns[1].split(',').map(str::to_string).collect(),
                expected: columns[2].to_string(),
            }
        })
        .collect();
    assert!(rows.len() >= 40, "golden file has only {} rows", rows.len());
    rows
}

#[test]
fn every_golden_row_picks_what_xxl_job_picks() {
    let mut mismatches = Vec::new();
    for row in golden_rows() {
        let picked = consistent_hash::pick(row.job_id, &row.addresses);
        if picked != Some(row.expected.as_str()) {
            mismatches.push(format!(
                "line {}: job {} over {:?}: expected {}, got {picked:?}",
                row.line, row.job_id, row.addresses, row.expected
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn the_router_routes_consistent_hash_jobs_like_the_golden_file() {
    let routers = Routers::new();
    let client = ExecutorClient::new(None, Duration::from_secs(1)).expect("client");
    // CONSISTENT_HASH never probes; the probe is there because `route` serves every strategy.
    let probe = client.probe("unused", None);
    for row in golden_rows() {
        let outcome = routers
            .route(
                RouteStrategy::ConsistentHash,
                row.job_id,
                &row.addresses,
                &probe,
            )
            .await;
        assert_eq!(
            outcome,
            RouteOutcome::Address {
                address: row.expected.clone(),
                report: None
            },
            "line {}",
            row.line
        );
    }
}
