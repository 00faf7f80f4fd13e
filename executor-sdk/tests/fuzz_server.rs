//! An admin that sends garbage: thousands of generated bodies to `/run`, `/log`, `/kill` and
//! `/idleBeat` of a real executor. Every one is answered HTTP 200 with the protocol's JSON
//! envelope, and the executor still answers `/beat` afterwards.
//!
//! Cases are generated up front (proptest's generators, fixed seed) and sent in turn, so the
//! executor runs on the test's own tokio runtime; a failure prints the case.

mod common;

use common::{APP, FakeAdmin, Mode, TOKEN, TestExecutor, builder};
use jobwheel_executor::protocol::{ACCESS_TOKEN_HEADER, APPNAME_HEADER};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value};

/// Cases per route: 10,000 bodies over `/run`, `/log`, `/kill` and `/idleBeat` together.
const CASES: usize = 2_500;

/// Keys of every executor-side body, so generated objects reach the fields.
const KEYS: &[&str] = &[
    "jobId",
    "executorHandler",
    "executorParams",
    "executorBlockStrategy",
    "executorTimeout",
    "logId",
    "logDateTime",
    "logDateTim",
    "fromLineNum",
    "glueType",
    "glueSource",
    "glueUpdatetime",
    "broadcastIndex",
    "broadcastTotal",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-3i64..1_000).prop_map(Value::from),
        proptest::sample::select(
            &[i64::MIN, i64::MAX, i32::MAX as i64 + 1, 253_402_300_800_000][..]
        )
        .prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        // Handler names: ours (never "sleep", which would hold the queue), unknown, hostile.
        proptest::sample::select(
            &[
                "echo",
                "fail",
                "panic",
                "nope",
                "BEAN",
                "GLUE_SHELL",
                "COVER_EARLY",
                "DISCARD_LATER",
                "../../etc/passwd",
                "' OR 1=1 --"
            ][..]
        )
        .prop_map(Value::from),
        "-?[0-9]{1,20}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ]
}

fn body() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        6 => proptest::sample::select(KEYS).prop_map(str::to_string),
        1 => any::<String>(),
    ];
    let object = proptest::collection::vec((key, leaf()), 0..8)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>()).to_string())
        .boxed();
    prop_oneof![
        6 => object.clone(),
        1 => proptest::collection::vec(leaf(), 0..3).prop_map(|v| Value::Array(v).to_string()),
        1 => leaf().prop_map(|v| v.to_string()),
        1 => (object, any::<prop::sample::Index>()).prop_map(|(text, cut)| {
            // Cut short, as a dropped connection delivers it.
            let mut end = cut.index(text.len() + 1);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_string()
        }),
        1 => any::<String>(),
    ]
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_from_the_admin_is_answered_with_an_envelope_and_the_executor_lives_on() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;
    let auth = [(ACCESS_TOKEN_HEADER, TOKEN), (APPNAME_HEADER, APP)];

    let bodies = generate(body(), CASES);
    for path in ["/run", "/log", "/kill", "/idleBeat"] {
        for body in &bodies {
            let (status, reply) = executor.raw(path, &auth, body.clone()).await;
            let case = format!("{path} {body:?}");
            assert_eq!(status, 200, "{case} -> {reply}");
            let code = reply["code"].as_i64();
            assert!(code == Some(200) || code == Some(500), "{case} -> {reply}");
        }
        let (status, reply) = executor.raw("/beat", &auth, String::new()).await;
        assert_eq!(
            (status, reply["code"].as_i64()),
            (200, Some(200)),
            "after {path}"
        );
    }
    executor.stop().await;
}
