//! Whatever a user types as a schedule and whatever a peer sends as a protocol body, the
//! parsers answer with a value or an error that says which field is wrong — they never
//! panic — and what they accept behaves: cron fire times strictly increase, and wire values
//! survive a round trip. 10,000 generated cases per property.

mod common;

use chrono_tz::Tz;
use common::fuzz::{json_object, json_value};
use jobwheel_admin::Error;
use jobwheel_admin::schedule::{CronExpr, CronField, Schedule};
use jobwheel_executor::protocol::{
    CallbackBody, CallbackItem, LogRequest, LogResult, ProtocolGeneration, RegistryParam,
    TriggerParam, WireResponse,
};
use proptest::prelude::*;
use serde_json::Value;

const FIELD_NAMES: [&str; 7] = [
    "second",
    "minute",
    "hour",
    "day-of-month",
    "month",
    "day-of-week",
    "year",
];

/// Zones with DST gaps and overlaps, half-hour shifts and none at all.
const ZONES: [Tz; 5] = [
    Tz::UTC,
    Tz::Europe__Berlin,
    Tz::America__New_York,
    Tz::Australia__Lord_Howe,
    Tz::Asia__Kolkata,
];

/// 10,000 cases from a fixed seed, so CI is repeatable; set `PROPTEST_RNG_SEED` to explore
/// other cases locally (proptest's default configuration reads it).
fn config() -> ProptestConfig {
    let base = ProptestConfig::with_cases(10_000);
    let rng_seed = match std::env::var("PROPTEST_RNG_SEED") {
        Ok(_) => base.rng_seed,
        Err(_) => proptest::test_runner::RngSeed::Fixed(0x6a6f_6277_6865_656c),
    };
    ProptestConfig {
        rng_seed,
        failure_persistence: None,
        ..base
    }
}

// ---- cron grammar -------------------------------------------------------------------

/// A number near the field's range `lo..=hi`: mostly inside, sometimes just outside.
fn number(lo: i64, hi: i64) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (lo..=hi).prop_map(|n| n.to_string()),
        1 => prop_oneof![Just(lo - 1), Just(hi + 1), Just(-1i64), Just(9_999_999_999i64)]
            .prop_map(|n| n.to_string()),
    ]
}

/// One list element of a numeric field: `n`, `a-b`, `*`, `*/s`, `a/s`, `a-b/s`.
fn element(lo: i64, hi: i64, names: &'static [&'static str]) -> BoxedStrategy<String> {
    let value = if names.is_empty() {
        number(lo, hi).boxed()
    } else {
        prop_oneof![
            3 => number(lo, hi),
            1 => proptest::sample::select(names).prop_map(str::to_string),
        ]
        .boxed()
    };
    prop_oneof![
        4 => value.clone(),
        2 => (value.clone(), value.clone()).prop_map(|(a, b)| format!("{a}-{b}")),
        2 => Just("*".to_string()),
        1 => number(0, hi + 1).prop_map(|s| format!("*/{s}")),
        1 => (value.clone(), number(0, hi + 1)).prop_map(|(a, s)| format!("{a}/{s}")),
        1 => (value.clone(), value, number(0, hi + 1))
            .prop_map(|(a, b, s)| format!("{a}-{b}/{s}")),
    ]
    .boxed()
}

fn list(element: BoxedStrategy<String>) -> BoxedStrategy<String> {
    proptest::collection::vec(element, 1..4)
        .prop_map(|items| items.join(","))
        .boxed()
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", "jan",
    "FOO",
];
const DAYS: &[&str] = &[
    "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "mon", "XYZ",
];

fn day_of_month() -> BoxedStrategy<String> {
    prop_oneof![
        6 => list(element(1, 31, &[])),
        3 => Just("?".to_string()),
        1 => Just("L".to_string()),
        1 => number(0, 31).prop_map(|n| format!("L-{n}")),
        1 => number(1, 31).prop_map(|n| format!("{n}W")),
        1 => Just("LW".to_string()),
    ]
    .boxed()
}

fn day_of_week() -> BoxedStrategy<String> {
    prop_oneof![
        4 => list(element(1, 7, DAYS)),
        4 => Just("?".to_string()),
        1 => Just("L".to_string()),
        1 => number(1, 7).prop_map(|n| format!("{n}L")),
        1 => (number(1, 7), number(1, 5)).prop_map(|(d, k)| format!("{d}#{k}")),
    ]
    .boxed()
}

/// Expressions from Quartz's grammar with random (sometimes wrong) fields, an optional
/// year, random case and spacing.
fn near_valid_cron() -> impl Strategy<Value = String> {
    let year = prop_oneof![
        2 => Just(None),
        1 => list(element(1970, 2299, &[])).prop_map(Some),
    ];
    (
        list(element(0, 59, &[])),
        list(element(0, 59, &[])),
        list(element(0, 23, &[])),
        day_of_month(),
        list(element(1, 12, MONTHS)),
        day_of_week(),
        year,
        proptest::sample::select(&[" ", "  ", "\t", " \n "][..]),
    )
        .prop_map(|(s, m, h, dom, mon, dow, year, sep)| {
            let mut fields = vec![s, m, h, dom, mon, dow];
            fields.extend(year);
            fields.join(sep)
        })
}

/// An error message that tells the user where to look.
fn names_a_field(message: &str) -> bool {
    FIELD_NAMES.iter().any(|name| message.contains(name)) || message.contains("fields")
}

/// Parses `text`; an error must name a field, a success must fire at increasing whole
/// seconds.
fn check_cron(text: &str, from_ms: i64, tz: Tz) -> Result<(), TestCaseError> {
    match CronExpr::parse(text) {
        Err(e) => {
            let shown = e.to_string();
            if let Some(field) = e.field {
                prop_assert!(CronField::name(field).len() > 1);
                prop_assert!(shown.starts_with(field.name()), "{shown}");
            }
            prop_assert!(names_a_field(&shown), "{text:?} -> {shown}");
        }
        Ok(expr) => {
            let mut previous = from_ms;
            for _ in 0..4 {
                let Some(next) = expr.next_after(previous, tz) else {
                    break;
                };
                prop_assert!(next > previous, "{text:?} in {tz}: {next} after {previous}");
                prop_assert_eq!(next.rem_euclid(1000), 0);
                previous = next;
            }
        }
    }
    Ok(())
}

/// Epoch ms between 1970 and 2300, the years Quartz schedules in.
fn instant() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => 1_500_000_000_000i64..1_900_000_000_000,
        1 => 0i64..10_413_792_000_000,
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cron_parse_survives_arbitrary_text(text in any::<String>()) {
        check_cron(&text, 1_700_000_000_000, Tz::UTC)?;
    }

    #[test]
    fn cron_near_valid_expressions_fire_at_increasing_times_or_name_their_field(
        text in near_valid_cron(),
        from in instant(),
        tz in proptest::sample::select(&ZONES[..]),
    ) {
        check_cron(&text, from, tz)?;
    }

    #[test]
    fn schedule_parse_errors_name_schedule_type_or_conf(
        kind in prop_oneof![
            proptest::sample::select(&["NONE", "CRON", "FIX_RATE", "FIX_DELAY", " CRON ", "cron", ""][..])
                .prop_map(str::to_string),
            any::<String>(),
        ],
        conf in prop_oneof![
            Just(None),
            any::<String>().prop_map(Some),
            "-?[0-9]{1,12}".prop_map(Some),
            near_valid_cron().prop_map(Some),
        ],
        from in instant(),
    ) {
        match Schedule::parse(&kind, conf.as_deref()) {
            Err(Error::Validation { field, .. }) => {
                prop_assert!(field == "schedule_type" || field == "schedule_conf", "{field}");
            }
            Err(other) => prop_assert!(false, "not a validation error: {other}"),
            Ok(schedule) => {
                let times = schedule.next_n(from, Tz::Europe__Berlin, 4);
                prop_assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
                prop_assert!(times.first().is_none_or(|&t| t > from));
            }
        }
    }
}

// ---- protocol -----------------------------------------------------------------------

const TRIGGER_KEYS: &[&str] = &[
    "jobId",
    "executorHandler",
    "executorParams",
    "executorBlockStrategy",
    "executorTimeout",
    "logId",
    "logDateTime",
    "glueType",
    "glueSource",
    "glueUpdatetime",
    "broadcastIndex",
    "broadcastTotal",
];
const CALLBACK_KEYS: &[&str] = &[
    "callbackList",
    "logId",
    "logDateTim",
    "logDateTime",
    "handleCode",
    "handleMsg",
    "executeResult",
    "code",
    "msg",
];
const LOG_KEYS: &[&str] = &["logDateTim", "logDateTime", "logId", "fromLineNum"];
const REGISTRY_KEYS: &[&str] = &["registryGroup", "registryKey", "registryValue"];
const RESPONSE_KEYS: &[&str] = &[
    "code",
    "msg",
    "content",
    "data",
    "fromLineNum",
    "toLineNum",
    "logContent",
    "isEnd",
];

/// Reads `value` and `bytes` as each wire type; only the absence of a panic is asserted,
/// plus that what was accepted serialises again.
fn read_everything(value: &Value, bytes: &[u8]) -> Result<(), TestCaseError> {
    let text = value.to_string();
    for input in [text.as_bytes(), bytes] {
        if let Ok(p) = serde_json::from_slice::<TriggerParam>(input) {
            prop_assert!(serde_json::to_value(p).is_ok());
        }
        let _ = serde_json::from_slice::<CallbackBody>(input);
        if let Ok(r) = serde_json::from_slice::<LogRequest>(input) {
            prop_assert!(serde_json::to_value(r).is_ok());
        }
        let _ = serde_json::from_slice::<RegistryParam>(input);
        if let Ok(r) = serde_json::from_slice::<WireResponse<LogResult>>(input) {
            prop_assert!(serde_json::to_value(r).is_ok());
        }
    }
    Ok(())
}

fn any_keys() -> impl Strategy<Value = &'static [&'static str]> {
    proptest::sample::select(
        &[
            TRIGGER_KEYS,
            CALLBACK_KEYS,
            LOG_KEYS,
            REGISTRY_KEYS,
            RESPONSE_KEYS,
        ][..],
    )
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(any::<String>())
}

fn trigger_param() -> impl Strategy<Value = TriggerParam> {
    (
        (
            any::<i32>(),
            opt_text(),
            opt_text(),
            opt_text(),
            any::<i32>(),
        ),
        (
            any::<i64>(),
            any::<i64>(),
            opt_text(),
            opt_text(),
            any::<i64>(),
        ),
        (any::<i32>(), any::<i32>()),
    )
        .prop_map(
            |(
                (job_id, handler, params, block, timeout),
                (log_id, date, glue, source, glue_time),
                (index, total),
            )| {
                TriggerParam {
                    job_id,
                    executor_handler: handler,
                    executor_params: params,
                    executor_block_strategy: block,
                    executor_timeout: timeout,
                    log_id,
                    log_date_time: date,
                    glue_type: glue,
                    glue_source: source,
                    glue_updatetime: glue_time,
                    broadcast_index: index,
                    broadcast_total: total,
                }
            },
        )
}

fn callback_body() -> impl Strategy<Value = CallbackBody> {
    let item = (any::<i64>(), any::<i64>(), any::<i32>(), opt_text()).prop_map(
        |(log_id, log_date_time, handle_code, handle_msg)| CallbackItem {
            log_id,
            log_date_time,
            handle_code,
            handle_msg,
        },
    );
    proptest::collection::vec(item, 0..4).prop_map(|items| CallbackBody { items })
}

fn log_response() -> impl Strategy<Value = WireResponse<LogResult>> {
    let result = (any::<i32>(), any::<i32>(), opt_text(), any::<bool>())
        .prop_map::<LogResult, _>(
            |(from_line_num, to_line_num, log_content, is_end)| LogResult {
                from_line_num,
                to_line_num,
                log_content,
                is_end,
            },
        )
        .boxed();
    (
        any::<i32>(),
        opt_text(),
        proptest::option::of(result.clone()),
        proptest::option::of(result),
    )
        .prop_map(|(code, msg, content, data)| WireResponse {
            code,
            msg,
            content,
            data,
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn protocol_bodies_from_arbitrary_json_never_panic(
        value in any_keys().prop_flat_map(json_value),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        read_everything(&value, &bytes)?;
    }

    #[test]
    fn protocol_bodies_with_known_keys_of_any_type_never_panic(
        value in any_keys().prop_flat_map(|keys| json_object(keys, common::fuzz::json_leaf())),
        cut in any::<prop::sample::Index>(),
    ) {
        let text = value.to_string();
        // Also the same body cut short, as a dropped connection delivers it.
        let cut = cut.index(text.len() + 1);
        read_everything(&value, &text.as_bytes()[..cut])?;
    }

    #[test]
    fn trigger_param_round_trips(param in trigger_param()) {
        let json = serde_json::to_string(&param).expect("serialise");
        prop_assert_eq!(serde_json::from_str::<TriggerParam>(&json).expect("read back"), param);
    }

    #[test]
    fn callback_body_round_trips_in_both_generations(body in callback_body()) {
        for generation in [ProtocolGeneration::Legacy, ProtocolGeneration::V3_5] {
            let json = body.to_json(generation);
            let back: CallbackBody = serde_json::from_value(json).expect("read back");
            prop_assert_eq!(&back, &body);
        }
    }

    #[test]
    fn log_request_and_registry_round_trip(
        request in (any::<i64>(), any::<i64>(), any::<i32>()).prop_map(|(d, id, from)| LogRequest {
            log_date_time: d,
            log_id: id,
            from_line_num: from,
        }),
        registry in (any::<String>(), any::<String>(), any::<String>()).prop_map(|(g, k, v)| RegistryParam {
            registry_group: g,
            registry_key: k,
            registry_value: v,
        }),
    ) {
        let json = serde_json::to_string(&request).expect("serialise");
        prop_assert_eq!(serde_json::from_str::<LogRequest>(&json).expect("read back"), request);
        let json = serde_json::to_string(&registry).expect("serialise");
        prop_assert_eq!(serde_json::from_str::<RegistryParam>(&json).expect("read back"), registry);
    }

    #[test]
    fn log_response_round_trips(response in log_response()) {
        let json = serde_json::to_string(&response).expect("serialise");
        let back: WireResponse<LogResult> = serde_json::from_str(&json).expect("read back");
        prop_assert_eq!(back, response);
    }

    /// Gson-style leniency reads an in-range number, numeric string or null into an i32
    /// field, and refuses (never wraps) anything out of range.
    #[test]
    fn i32_fields_accept_in_range_numbers_and_refuse_the_rest(n in any::<i64>(), as_text in any::<bool>()) {
        let value = if as_text { Value::from(n.to_string()) } else { Value::from(n) };
        let parsed = serde_json::from_value::<TriggerParam>(serde_json::json!({ "jobId": value }));
        match i32::try_from(n) {
            Ok(expected) => prop_assert_eq!(parsed.expect("in range").job_id, expected),
            Err(_) => prop_assert!(parsed.is_err()),
        }
    }
}
