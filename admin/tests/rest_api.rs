//! An operator drives Jobwheel through REST v1: sets up an executor group and jobs, finds
//! them again, schedules and stops them, reads their logs, and is told exactly which field
//! is wrong when a request is.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::app::{API_TOKEN, TestApp, eventually, expect_invalid, send};
use common::executor::RecordingExecutor;
use jobwheel_admin::store::{NewLog, Store, TriggerRecord};
use jobwheel_admin::time::{now_ms, now_naive};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn cron_job(group: i64, desc: &str) -> Value {
    json!({
        "jobGroup": group,
        "jobDesc": desc,
        "author": "ops",
        "scheduleType": "CRON",
        "scheduleConf": "0 0/5 * * * ?",
        "executorHandler": "demoJobHandler",
        "executorRouteStrategy": "ROUND",
        "executorBlockStrategy": "SERIAL_EXECUTION",
        "glueType": "BEAN",
        "executorTimeout": 30,
        "executorFailRetryCount": 1,
    })
}

async fn create_group(app: &TestApp, appname: &str) -> i64 {
    let (status, group) = send(
        app.v1(Method::POST, "/groups")
            .json(&json!({"appname": appname, "title": "Sample"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    group["id"].as_i64().expect("group id")
}

async fn create_job(app: &TestApp, body: &Value) -> Value {
    let (status, job) = send(app.v1(Method::POST, "/jobs").json(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    job
}

/// Create, find, page, start, edit, stop, delete.
async fn an_operator_schedules_a_job(store: Arc<dyn Store>) {
    let app = TestApp::start(store, |_| {}).await;
    let group = create_group(&app, "sample-executor").await;

    let (status, shown) = send(app.v1(Method::GET, &format!("/groups/{group}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["appname"], "sample-executor");
    assert_eq!(shown["addressType"], 0);
    assert_eq!(shown["addressList"], Value::Null);

    let job = create_job(&app, &cron_job(group, "nightly report")).await;
    let id = job["id"].as_i64().expect("job id");
    assert_eq!(job["triggerStatus"], 0, "new jobs start stopped: {job}");
    assert_eq!(job["triggerNextTime"], 0);
    assert_eq!(job["executorRouteStrategy"], "ROUND");
    assert_eq!(job["timeZone"], Value::Null);
    for desc in ["hourly sync", "weekly cleanup"] {
        let mut body = cron_job(group, desc);
        body["author"] = json!("alice");
        body["executorHandler"] = json!("syncHandler");
        create_job(&app, &body).await;
    }

    // Filters and paging.
    let (_, page) = send(app.v1(Method::GET, &format!("/jobs?group={group}&limit=2"))).await;
    assert_eq!(page["total"], 3, "{page}");
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2));
    let (_, rest) = send(app.v1(
        Method::GET,
        &format!("/jobs?group={group}&limit=2&offset=2"),
    ))
    .await;
    assert_eq!(rest["data"].as_array().map(Vec::len), Some(1));
    let (_, by_author) = send(app.v1(Method::GET, "/jobs?author=ali&handler=sync")).await;
    assert_eq!(by_author["total"], 2, "{by_author}");
    let (_, by_desc) = send(app.v1(Method::GET, "/jobs?desc=nightly")).await;
    assert_eq!(by_desc["data"][0]["id"], id);

    // Start: the first fire comes after the 5 s pre-read window.
    let before = now_ms();
    let (status, started) = send(app.v1(Method::POST, &format!("/jobs/{id}/start"))).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["triggerStatus"], 1);
    let next = started["triggerNextTime"].as_i64().expect("next");
    assert!(next > before + 5_000, "next fire {next} is after now + 5 s");
    assert_eq!(next % 300_000, 0, "every 5 minutes on the minute: {next}");
    let (_, running) = send(app.v1(Method::GET, "/jobs?status=running")).await;
    assert_eq!(running["total"], 1);

    // Editing a running job's schedule recomputes its next fire; other edits keep it.
    let (status, edited) = send(
        app.v1(Method::PUT, &format!("/jobs/{id}"))
            .json(&json!({"scheduleType": "FIX_RATE", "scheduleConf": "7"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["triggerStatus"], 1);
    assert_eq!(
        edited["jobDesc"], "nightly report",
        "omitted fields are kept"
    );
    let rescheduled = edited["triggerNextTime"].as_i64().expect("next");
    assert_ne!(rescheduled, next);
    assert!(rescheduled >= before + 5_000 && rescheduled <= now_ms() + 13_000);
    let (_, renamed) = send(
        app.v1(Method::PUT, &format!("/jobs/{id}"))
            .json(&json!({"jobDesc": "nightly report v2"})),
    )
    .await;
    assert_eq!(renamed["triggerNextTime"], rescheduled);

    let (_, stopped) = send(app.v1(Method::POST, &format!("/jobs/{id}/stop"))).await;
    assert_eq!(stopped["triggerStatus"], 0);
    assert_eq!(stopped["triggerNextTime"], 0);

    // A group with jobs cannot go; without them it can.
    let (status, refused) = send(app.v1(Method::DELETE, &format!("/groups/{group}"))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (_, all) = send(app.v1(Method::GET, &format!("/jobs?group={group}"))).await;
    for job in all["data"].as_array().expect("jobs") {
        let (status, _) = send(app.v1(Method::DELETE, &format!("/jobs/{}", job["id"]))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (status, _) = send(app.v1(Method::GET, &format!("/jobs/{id}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(app.v1(Method::DELETE, &format!("/groups/{group}"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(app.v1(Method::GET, &format!("/groups/{group}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}

/// Jobs created running, manual groups, and the preview of a schedule.
async fn groups_and_schedules(store: Arc<dyn Store>) {
    let app = TestApp::start(store, |c| c.time_zone = "Asia/Shanghai".into()).await;
    let (status, manual) = send(app.v1(Method::POST, "/groups").json(&json!({
        "appname": "legacy-app", "title": "Legacy", "addressType": 1,
        "addressList": " http://10.0.0.6:9999/ ,http://10.0.0.5:9999/", "accessToken": "s3cret"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{manual}");
    assert_eq!(
        manual["addressList"],
        "http://10.0.0.6:9999/,http://10.0.0.5:9999/"
    );
    assert_eq!(manual["accessTokenSet"], true);
    assert!(manual.get("accessToken").is_none(), "tokens are write-only");
    let (status, dup) = send(
        app.v1(Method::POST, "/groups")
            .json(&json!({"appname": "legacy-app", "title": "Again"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{dup}");
    let (_, found) = send(app.v1(Method::GET, "/groups?appname=legacy")).await;
    assert_eq!(found["total"], 1);

    let mut body = cron_job(manual["id"].as_i64().expect("id"), "berlin job");
    body["triggerStatus"] = json!(1);
    body["timeZone"] = json!("Europe/Berlin");
    body["scheduleConf"] = json!("0 0 3 * * ?");
    let job = create_job(&app, &body).await;
    assert_eq!(job["triggerStatus"], 1);
    assert_eq!(job["timeZone"], "Europe/Berlin");
    let next = job["triggerNextTime"].as_i64().expect("next");
    let berlin = chrono::DateTime::from_timestamp_millis(next)
        .expect("time")
        .with_timezone(&chrono_tz::Europe::Berlin);
    assert_eq!(berlin.format("%H:%M:%S").to_string(), "03:00:00");

    let (status, preview) = send(app.v1(
        Method::GET,
        "/schedules/next?type=CRON&conf=0%200/15%20*%20*%20*%20%3F&tz=America/New_York&count=3",
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["timeZone"], "America/New_York");
    let times: Vec<i64> = serde_json::from_value(preview["epochMs"].clone()).expect("times");
    assert_eq!(times.len(), 3);
    assert!(
        times.windows(2).all(|w| w[1] - w[0] == 900_000),
        "{times:?}"
    );
    assert!(
        preview["times"][0]
            .as_str()
            .expect("rfc3339")
            .ends_with(":00-05:00")
            || preview["times"][0]
                .as_str()
                .expect("rfc3339")
                .ends_with(":00-04:00")
    );
    let (_, default_zone) =
        send(app.v1(Method::GET, "/schedules/next?type=FIX_RATE&conf=60")).await;
    assert_eq!(default_zone["timeZone"], "Asia/Shanghai");
    assert_eq!(default_zone["times"].as_array().map(Vec::len), Some(5));
}

/// Every kind of mistake is a 400 that names the field.
async fn bad_inputs_name_their_field(store: Arc<dyn Store>) {
    let app = TestApp::start(store, |_| {}).await;
    let group = create_group(&app, "validation-app").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "executorRouteStrategy",
            json!("FASTEST"),
            "executorRouteStrategy",
        ),
        (
            "executorBlockStrategy",
            json!("PANIC"),
            "executorBlockStrategy",
        ),
        ("glueType", json!("GLUE_COBOL"), "glueType"),
        ("misfireStrategy", json!("RETRY_FOREVER"), "misfireStrategy"),
        ("timeZone", json!("Mars/Olympus"), "timeZone"),
        ("scheduleConf", json!("0 0 25 * * ?"), "scheduleConf"),
        ("scheduleType", json!("FIX_DELAY"), "scheduleType"),
        ("executorHandler", json!(""), "executorHandler"),
        ("childJobId", json!("1,abc"), "childJobId"),
        ("childJobId", json!("99999"), "childJobId"),
        ("executorTimeout", json!(-1), "executorTimeout"),
        (
            "executorFailRetryCount",
            json!(-2),
            "executorFailRetryCount",
        ),
        ("executorTimeout", json!("soon"), "executorTimeout"),
        ("jobGroup", json!(99999), "jobGroup"),
        ("jobDesc", json!("  "), "jobDesc"),
        ("alarmEmail", json!("ops-at-example"), "alarmEmail"),
        ("triggerStatus", json!(2), "triggerStatus"),
    ];
    for (key, value, field) in cases {
        let mut body = cron_job(group, "bad");
        body[key] = value;
        expect_invalid(app.v1(Method::POST, "/jobs").json(&body), field).await;
    }
    let mut no_group = cron_job(group, "no group");
    no_group.as_object_mut().expect("object").remove("jobGroup");
    expect_invalid(app.v1(Method::POST, "/jobs").json(&no_group), "jobGroup").await;
    let malformed = app.v1(Method::POST, "/jobs").body("{\"jobGroup\": 1,");
    let body = expect_invalid(malformed, "body").await;
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("malformed JSON")
    );
    expect_invalid(app.v1(Method::POST, "/jobs").json(&json!([1, 2])), "body").await;

    // Queries and paths.
    expect_invalid(app.v1(Method::GET, "/jobs?limit=abc"), "limit").await;
    expect_invalid(app.v1(Method::GET, "/jobs?limit=0"), "limit").await;
    expect_invalid(app.v1(Method::GET, "/jobs?status=paused"), "status").await;
    expect_invalid(app.v1(Method::GET, "/jobs?grop=1"), "grop").await;
    expect_invalid(app.v1(Method::GET, "/jobs/abc"), "id").await;
    expect_invalid(app.v1(Method::GET, "/logs?status=meh"), "status").await;
    expect_invalid(app.v1(Method::GET, "/logs?from=yesterday"), "from").await;
    expect_invalid(
        app.v1(Method::GET, "/schedules/next?type=CRON&conf=nope"),
        "conf",
    )
    .await;
    expect_invalid(app.v1(Method::GET, "/schedules/next?type=CRON"), "conf").await;

    // Groups.
    for (body, field) in [
        (json!({"appname": "abc", "title": "Short"}), "appname"),
        (json!({"appname": "fine-app"}), "title"),
        (
            json!({"appname": "manual-app", "title": "M", "addressType": 1}),
            "addressList",
        ),
        (
            json!({"appname": "manual-app", "title": "M", "addressType": 1, "addressList": "10.0.0.1:9999"}),
            "addressList",
        ),
        (
            json!({"appname": "proto-app", "title": "P", "protocol": "v9"}),
            "protocol",
        ),
    ] {
        expect_invalid(app.v1(Method::POST, "/groups").json(&body), field).await;
    }

    // A NONE job cannot be started; unknown ids are 404.
    let mut none = cron_job(group, "manual only");
    none["scheduleType"] = json!("NONE");
    let job = create_job(&app, &none).await;
    expect_invalid(
        app.v1(Method::POST, &format!("/jobs/{}/start", job["id"])),
        "scheduleType",
    )
    .await;
    for path in [
        "/jobs/424242/start",
        "/jobs/424242",
        "/groups/424242",
        "/logs/424242",
    ] {
        let method = if path.ends_with("start") {
            Method::POST
        } else {
            Method::GET
        };
        let (status, body) = send(app.v1(method, path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, body) = send(app.v1(Method::GET, "/no-such-thing")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

/// Without configured tokens (and no console token) REST v1 refuses calls and says how to
/// open it; with them, only a
/// right bearer token gets in.
async fn v1_needs_a_bearer_token(store: Arc<dyn Store>) {
    let closed = TestApp::start(store.clone(), |c| c.api_tokens.clear()).await;
    let (status, body) = send(closed.v1(Method::GET, "/jobs")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("api_tokens"),
        "{body}"
    );

    let app = TestApp::start(store, |c| {
        c.api_tokens = vec!["other".into(), API_TOKEN.into()]
    })
    .await;
    let url = format!("{}/api/v1/groups", app.base);
    let (status, body) = send(app.http.get(&url)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = send(app.http.get(&url).bearer_auth("wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        app.http
            .post(&url)
            .bearer_auth(format!("{API_TOKEN}x"))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(app.http.get(&url).bearer_auth("other")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(app.http.get(&url).bearer_auth(API_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
}

/// Logs are found by group, job, status class and time.
async fn logs_are_filtered(store: Arc<dyn Store>) {
    let app = TestApp::start(store, |_| {}).await;
    let group = create_group(&app, "log-app").await;
    let job = create_job(&app, &cron_job(group, "logged")).await;
    let job_id = job["id"].as_i64().expect("id") as i32;
    let state = &app.state;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let log = NewLog {
            job_group: group as i32,
            job_id,
            trigger_time: now_naive(state.tz),
            fire_at: now_ms(),
            trigger_type: "MANUAL".into(),
            ..NewLog::default()
        };
        let id = state.store.insert_log(&log).await.expect("log");
        let record = TriggerRecord {
            trigger_code: 200,
            trigger_msg: "ok".into(),
            executor_address: Some("http://127.0.0.1:9999/".into()),
            ..TriggerRecord::default()
        };
        state
            .store
            .record_trigger(id, &record)
            .await
            .expect("record");
        ids.push(id);
    }
    let now = now_naive(state.tz);
    state
        .store
        .complete_log(ids[0], 200, "done", now)
        .await
        .expect("complete");
    state
        .store
        .complete_log(ids[1], 500, "boom", now)
        .await
        .expect("complete");

    for (status, expected) in [
        ("success", ids[0]),
        ("failure", ids[1]),
        ("running", ids[2]),
    ] {
        let (code, page) =
            send(app.v1(Method::GET, &format!("/logs?job={job_id}&status={status}"))).await;
        assert_eq!(code, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 1, "{status}: {page}");
        assert_eq!(page["data"][0]["id"], expected);
    }
    let (_, all) = send(app.v1(Method::GET, &format!("/logs?group={group}&limit=2"))).await;
    assert_eq!(all["total"], 3);
    assert_eq!(all["data"].as_array().map(Vec::len), Some(2));
    let (_, future) = send(app.v1(Method::GET, "/logs?from=2999-01-01T00:00:00Z")).await;
    assert_eq!(future["total"], 0);
    let (_, past) = send(app.v1(
        Method::GET,
        "/logs?from=2000-01-01%2000:00:00&to=2999-01-01%2000:00:00",
    ))
    .await;
    assert_eq!(past["total"], 3);
    let (status, one) = send(app.v1(Method::GET, &format!("/logs/{}", ids[1]))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["handleCode"], 500);
    assert_eq!(one["handleMsg"], "boom");
    assert_eq!(one["triggerCode"], 200);
    assert_eq!(one["executorAddress"], "http://127.0.0.1:9999/");
}

/// "Run once now": the job runs on its group's executor, or on the addresses given for this
/// run, with the parameter given; the schedule is untouched, and the run's log completes
/// when the executor reports back.
async fn an_operator_runs_a_job_once(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone(), |_| {}).await;
    let usual = RecordingExecutor::start().await;
    let other = RecordingExecutor::start().await;
    let (status, group) = send(app.v1(Method::POST, "/groups").json(&json!({
        "appname": "trigger-app", "title": "T", "addressType": 1, "addressList": usual.address
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let mut body = cron_job(group["id"].as_i64().expect("id"), "on demand");
    body["executorParam"] = json!("default-param");
    let job = create_job(&app, &body).await;
    let id = job["id"].as_i64().expect("id");

    let (status, triggered) = send(
        app.v1(Method::POST, &format!("/jobs/{id}/trigger"))
            .json(&json!({"executorParam": "once"})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{triggered}");
    let log_id = triggered["logIds"][0].as_i64().expect("log id");
    let received = usual.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(received[0].param.job_id as i64, id);
    assert_eq!(received[0].param.log_id, log_id);
    assert_eq!(received[0].param.executor_params.as_deref(), Some("once"));

    // No body: the job's own parameter; an address list: those executors only.
    let (status, _) = send(app.v1(Method::POST, &format!("/jobs/{id}/trigger"))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let received = usual.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(
        received[1].param.executor_params.as_deref(),
        Some("default-param")
    );
    let (status, _) = send(
        app.v1(Method::POST, &format!("/jobs/{id}/trigger"))
            .json(&json!({"addressList": other.address})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    other.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(usual.received().len(), 2);

    // The log shows the trigger, then the executor's result.
    let log = eventually(Duration::from_secs(10), || async {
        let (_, log) = send(app.v1(Method::GET, &format!("/logs/{log_id}"))).await;
        (log["triggerCode"] == 200).then_some(log)
    })
    .await;
    assert_eq!(log["triggerType"], "API");
    assert_eq!(log["handleCode"], 0);
    let callback =
        json!([{"logId": log_id, "logDateTim": now_ms(), "handleCode": 200, "handleMsg": "done"}]);
    let reply = app
        .executor("callback", &callback)
        .send()
        .await
        .expect("callback");
    assert_eq!(reply.status(), StatusCode::OK);
    let (_, log) = send(app.v1(Method::GET, &format!("/logs/{log_id}"))).await;
    assert_eq!(
        (log["handleCode"].as_i64(), log["handleMsg"].as_str()),
        (Some(200), Some("done"))
    );
    let (_, unchanged) = send(app.v1(Method::GET, &format!("/jobs/{id}"))).await;
    assert_eq!(
        unchanged["triggerStatus"], 0,
        "a manual run does not start the schedule"
    );

    expect_invalid(
        app.v1(Method::POST, &format!("/jobs/{id}/trigger"))
            .json(&json!({"addressList": "10.0.0.1:9999"})),
        "addressList",
    )
    .await;
    let (status, _) = send(app.v1(Method::POST, "/jobs/424242/trigger")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_every_store!(
    an_operator_schedules_a_job,
    groups_and_schedules,
    bad_inputs_name_their_field,
    v1_needs_a_bearer_token,
    logs_are_filtered,
    an_operator_runs_a_job_once,
);
