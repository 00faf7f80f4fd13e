//! A hostile client against one real admin: thousands of generated REST v1 bodies and query
//! strings and executor API bodies. Nothing it sends earns a 5xx — a bad request is a 400
//! naming the field, an executor call an envelope — a body over the limit is a 413, and
//! filters full of SQL and LIKE metacharacters match exactly the rows containing them.
//!
//! Cases are generated up front (proptest's generators, fixed seed per run) and sent in turn,
//! so the server runs on the test's own tokio runtime; a failure prints the case.

mod common;

use common::app::{TestApp, send};
use common::fuzz::{HOSTILE, hostile_string, json_leaf, json_object, json_value};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Cases per route family (issue 8 asks 10,000 each): job bodies, group bodies, the query
/// strings of each list, registry bodies, callback bodies. About 40 s in a debug build.
const CASES: usize = 10_000;

const JOB_KEYS: &[&str] = &[
    "jobGroup",
    "jobDesc",
    "name",
    "author",
    "alarmEmail",
    "scheduleType",
    "scheduleConf",
    "misfireStrategy",
    "executorRouteStrategy",
    "executorHandler",
    "executorParam",
    "executorBlockStrategy",
    "executorTimeout",
    "executorFailRetryCount",
    "glueType",
    "glueSource",
    "glueRemark",
    "childJobId",
    "timeZone",
];
const GROUP_KEYS: &[&str] = &[
    "appname",
    "appName",
    "title",
    "name",
    "addressType",
    "addressList",
    "accessToken",
    "protocol",
];
const JOB_QUERY_KEYS: &[&str] = &[
    "group", "status", "desc", "handler", "author", "offset", "limit",
];
const LOG_QUERY_KEYS: &[&str] = &["group", "job", "status", "from", "to", "offset", "limit"];
const REGISTRY_KEYS: &[&str] = &["registryGroup", "registryKey", "registryValue"];
const CALLBACK_KEYS: &[&str] = &[
    "callbackList",
    "logId",
    "logDateTim",
    "logDateTime",
    "handleCode",
    "handleMsg",
    "executeResult",
];

/// `count` values of `strategy`, from a runner with a fixed seed.
fn generate<S: Strategy>(strategy: S, count: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..count)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("generate a case")
                .current()
        })
        .collect()
}

/// Mostly plausible bodies (known keys, values of any type; valid values for the keys
/// that gate the rest), sometimes any JSON at all.
fn body(keys: &'static [&'static str], valid: Value) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => json_object(keys, json_leaf()).prop_map(move |mut fuzzed| {
            if let (Value::Object(base), Value::Object(extra)) = (valid.clone(), &mut fuzzed) {
                for (k, v) in base {
                    extra.entry(k).or_insert(v);
                }
            }
            fuzzed
        }),
        1 => json_value(keys),
    ]
}

/// A query string over `keys`, percent-encoded or (sometimes) raw.
fn query(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    let value = prop_oneof![
        2 => hostile_string(),
        1 => "-?[0-9]{1,20}",
        1 => proptest::sample::select(&["running", "stopped", "0", "1", "2", "success", "fail", "2024-01-01 00:00:00", "1700000000000"][..]).prop_map(str::to_string),
    ];
    let key = prop_oneof![
        8 => proptest::sample::select(keys).prop_map(str::to_string),
        1 => hostile_string(),
    ];
    let pairs = proptest::collection::vec((key, value), 0..5);
    prop_oneof![
        4 => pairs.prop_map(|pairs| {
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        }),
        1 => "[a-z=&%0-9;'_-]{0,30}",
    ]
}

/// A response to client input: no 5xx, and a 400 is our validation shape naming a field.
fn check_rest(case: &str, status: StatusCode, body: &Value) {
    assert!(!status.is_server_error(), "{case} -> {status} {body}");
    if status == StatusCode::BAD_REQUEST {
        assert_eq!(body["error"], "validation", "{case} -> {body}");
        let field = body["field"].as_str().unwrap_or_default();
        assert!(!field.is_empty(), "{case} -> 400 without a field: {body}");
    }
}

/// An executor API answer: HTTP 200 with the protocol envelope, never our internal error.
fn check_executor_api(case: &str, status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::OK, "{case} -> {body}");
    let code = body["code"].as_i64();
    assert!(code == Some(200) || code == Some(500), "{case} -> {body}");
    let msg = body["msg"].as_str().unwrap_or_default();
    assert!(!msg.contains("internal error"), "{case} -> {body}");
}

async fn group(app: &TestApp, appname: &str) -> i64 {
    let (status, group) = send(
        app.v1(Method::POST, "/groups")
            .json(&json!({"appname": appname, "title": "Fuzz"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    group["id"].as_i64().expect("group id")
}

fn valid_job(group: i64, desc: &str) -> Value {
    json!({
        "jobGroup": group,
        "jobDesc": desc,
        "author": "fuzz",
        "scheduleType": "NONE",
        "executorHandler": "demoJobHandler",
        "executorRouteStrategy": "FIRST",
        "glueType": "BEAN",
    })
}

async fn new_job(app: &TestApp, group: i64, desc: &str) -> i64 {
    let (status, job) = send(app.v1(Method::POST, "/jobs").json(&valid_job(group, desc))).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    job["id"].as_i64().expect("job id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_rest_v1_bodies_and_queries_never_earn_a_5xx() {
    let store = common::sqlite_store().await;
    let app = TestApp::start(store.store.clone(), |_| {}).await;
    let group_id = group(&app, "fuzz-executor").await;
    let job_id = new_job(&app, group_id, "fuzz target").await;

    let jobs = generate(body(JOB_KEYS, valid_job(group_id, "generated")), CASES);
    for (n, body) in jobs.iter().enumerate() {
        let (method, path) = if n % 2 == 0 {
            (Method::POST, "/jobs".to_string())
        } else {
            (Method::PUT, format!("/jobs/{job_id}"))
        };
        let (status, reply) = send(app.v1(method.clone(), &path).body(body.to_string())).await;
        check_rest(&format!("{method} {path} {body}"), status, &reply);
    }

    let groups = generate(
        body(GROUP_KEYS, json!({"appname": "fuzz-other", "title": "T"})),
        CASES,
    );
    for (n, body) in groups.iter().enumerate() {
        let (method, path) = if n % 2 == 0 {
            (Method::POST, "/groups".to_string())
        } else {
            (Method::PUT, format!("/groups/{group_id}"))
        };
        let (status, reply) = send(app.v1(method.clone(), &path).body(body.to_string())).await;
        check_rest(&format!("{method} {path} {body}"), status, &reply);
    }

    for (path, keys) in [
        ("/jobs", JOB_QUERY_KEYS),
        ("/logs", LOG_QUERY_KEYS),
        ("/groups", &["appname", "title", "offset", "limit"][..]),
    ] {
        for q in generate(query(keys), CASES) {
            let (status, reply) = send(app.v1(Method::GET, &format!("{path}?{q}"))).await;
            let case = format!("GET {path}?{q}");
            check_rest(&case, status, &reply);
            if status == StatusCode::OK {
                assert!(reply["data"].is_array(), "{case} -> {reply}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_executor_api_bodies_get_a_protocol_envelope() {
    let store = common::sqlite_store().await;
    let app = TestApp::start(store.store.clone(), |_| {}).await;
    group(&app, "fuzz-executor").await;

    let registry = generate(
        body(
            REGISTRY_KEYS,
            json!({"registryGroup": "EXECUTOR", "registryKey": "fuzz-executor", "registryValue": "http://127.0.0.1:9/"}),
        ),
        CASES,
    );
    for (n, body) in registry.iter().enumerate() {
        let uri = if n % 3 == 2 {
            "registryRemove"
        } else {
            "registry"
        };
        let (status, reply) = send(app.executor(uri, body)).await;
        check_executor_api(&format!("{uri} {body}"), status, &reply);
    }

    let item = json_object(CALLBACK_KEYS, json_leaf()).boxed();
    let callbacks = generate(
        prop_oneof![
            2 => proptest::collection::vec(item.clone(), 0..4).prop_map(Value::Array),
            1 => proptest::collection::vec(item, 0..4).prop_map(|list| json!({"callbackList": list})),
            1 => json_value(CALLBACK_KEYS),
        ],
        CASES,
    );
    for body in &callbacks {
        let (status, reply) = send(app.executor("callback", body)).await;
        check_executor_api(&format!("callback {body}"), status, &reply);
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let store = common::sqlite_store().await;
    let app = TestApp::start(store.store.clone(), |_| {}).await;
    let group_id = group(&app, "fuzz-executor").await;

    // REST v1 keeps axum's 2 MiB default.
    let mut job = valid_job(group_id, "huge");
    job["glueSource"] = Value::String("x".repeat(3 * 1024 * 1024));
    let (status, reply) = send(app.v1(Method::POST, "/jobs").body(job.to_string())).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{reply}");
    assert_eq!(reply["error"], "too_large", "{reply}");

    // The executor API allows 16 MiB: callbacks batch many results.
    let message = "m".repeat(17 * 1024 * 1024);
    let callback = json!([{"logId": 1, "handleCode": 200, "handleMsg": message}]);
    let (status, reply) = send(app.executor("callback", &callback)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{reply}");
    assert_eq!(reply["error"], "too_large", "{reply}");

    // Just under the limit is an ordinary call.
    let callback = json!([{"logId": 1, "handleCode": 200, "handleMsg": "m".repeat(1024 * 1024)}]);
    let (status, reply) = send(app.executor("callback", &callback)).await;
    check_executor_api("callback of 1 MiB", status, &reply);
}

/// Descriptions seeded with metacharacters; the filter must behave like a case-insensitive
/// (ASCII) substring test on the literal text.
const DESCS: &[&str] = &[
    "100% sure",
    "100_ sure",
    "it's late",
    "say \"hi\"",
    "a;b",
    "x -- y",
    "plain job",
    "under_score",
    "back\\slash",
    "bang!",
    "日本語 job",
    "' OR '1'='1",
    "%'; DROP TABLE xxl_job_info; --",
    "PERCENT%",
];

#[tokio::test]
async fn filters_with_sql_metacharacters_match_literally() {
    let store = common::sqlite_store().await;
    let app = TestApp::start(store.store.clone(), |_| {}).await;
    let group_id = group(&app, "fuzz-executor").await;
    for desc in DESCS {
        new_job(&app, group_id, desc).await;
    }

    // A NUL would end SQLite's LIKE pattern early and match every row.
    let (status, reply) = send(app.v1(Method::GET, "/jobs?desc=x%00")).await;
    assert_eq!(
        (status, &reply["field"]),
        (StatusCode::BAD_REQUEST, &json!("desc")),
        "{reply}"
    );
    // …also behind a parameter with no name (found by this fuzzer): named by the query.
    let (status, reply) = send(app.v1(Method::GET, "/jobs?=%3Dx%00")).await;
    assert_eq!(
        (status, &reply["field"]),
        (StatusCode::BAD_REQUEST, &json!("query")),
        "{reply}"
    );

    let fragment = prop_oneof![
        2 => proptest::sample::select(HOSTILE).prop_map(str::to_string),
        2 => (proptest::sample::select(DESCS), any::<prop::sample::Index>(), 1usize..6)
            .prop_map(|(desc, start, len)| {
                let chars: Vec<char> = desc.chars().collect();
                let start = start.index(chars.len());
                chars[start..(start + len).min(chars.len())].iter().collect()
            }),
        1 => hostile_string(),
    ];
    for needle in generate(fragment, 500) {
        let q = form_urlencoded::Serializer::new(String::new())
            .append_pair("group", &group_id.to_string())
            .append_pair("desc", &needle)
            .append_pair("limit", "500")
            .finish();
        let (status, reply) = send(app.v1(Method::GET, &format!("/jobs?{q}"))).await;
        if needle.contains('\0') {
            // SQLite would read the pattern as ending there and match every row.
            assert_eq!(status, StatusCode::BAD_REQUEST, "{needle:?} -> {reply}");
            assert_eq!(reply["field"], "desc", "{reply}");
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{needle:?} -> {reply}");
        let mut found: Vec<&str> = reply["data"]
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|job| job["jobDesc"].as_str())
            .collect();
        found.sort_unstable();
        let mut expected: Vec<&str> = if needle.trim().is_empty() {
            DESCS.to_vec()
        } else {
            DESCS
                .iter()
                .copied()
                .filter(|d| {
                    d.to_ascii_lowercase()
                        .contains(&needle.to_ascii_lowercase())
                })
                .collect()
        };
        expected.sort_unstable();
        assert_eq!(found, expected, "desc filter {needle:?}");
    }
    // And the table is still there.
    let (status, reply) = send(app.v1(Method::GET, "/jobs?limit=500")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply["total"], DESCS.len(), "{reply}");
}
