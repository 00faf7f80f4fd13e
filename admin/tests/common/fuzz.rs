//! proptest strategies for hostile input: arbitrary JSON shaped like our wire bodies (known
//! keys with values of every type) and strings full of SQL and JSON metacharacters.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Characters that break naive SQL, LIKE patterns, JSON or URLs, and some non-ASCII.
pub const HOSTILE: &[&str] = &[
    "'",
    "\"",
    "%",
    "_",
    ";",
    "--",
    "!",
    "\\",
    "/*",
    "*/",
    "\0",
    "\n",
    "&",
    "=",
    "+",
    "#",
    "?",
    " ",
    "é",
    "日本",
    "🦀",
    "\u{202e}",
    "' OR '1'='1",
    "\"; DROP TABLE xxl_job_info; --",
];

/// Strings made of hostile fragments, ordinary words and digits.
pub fn hostile_string() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        3 => proptest::sample::select(HOSTILE).prop_map(str::to_string),
        2 => "[a-zA-Z]{1,6}",
        1 => "-?[0-9]{1,12}",
        1 => any::<String>(),
    ];
    proptest::collection::vec(fragment, 0..5).prop_map(|parts| parts.concat())
}

/// A JSON scalar of any type, numbers at the edges of i32/i64 included.
pub fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        proptest::sample::select(&[0i64, 1, -1, 200, 500, i32::MAX as i64 + 1, i64::MIN][..])
            .prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        hostile_string().prop_map(Value::String),
        "-?[0-9]{1,20}".prop_map(Value::String),
    ]
}

/// An arbitrary JSON value whose object keys are mostly `keys` (the wire names of the body
/// under test), so the fuzzing reaches the fields rather than stopping at "unknown field".
pub fn json_value(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 32, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            json_object(keys, inner),
        ]
    })
}

/// A JSON object over `keys` (and the odd unknown key) with values from `values`.
pub fn json_object(
    keys: &'static [&'static str],
    values: impl Strategy<Value = Value>,
) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        6 => proptest::sample::select(keys).prop_map(str::to_string),
        1 => hostile_string(),
    ];
    proptest::collection::vec((key, values), 0..8)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>()))
}
