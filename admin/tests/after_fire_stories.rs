//! What happens after a fire, as a production user sees it: failed runs are retried and
//! alarmed, successful parents fire their children, runs whose executor died are closed as
//! lost, running fires can be read and killed, and old logs go away. Real executors (the
//! SDK and recording executors on 127.0.0.1:0), the real admin over HTTP, real alarm sinks.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::app::{TestApp, eventually, expect_invalid, send};
use common::executor::{RecordingExecutor, logs_of, manual_group, state_over, wait_logs};
use common::sdk::SdkExecutor;
use common::sinks::{SmtpSink, WebhookSink};
use jobwheel_admin::app::AppState;
use jobwheel_admin::config::SmtpTls;
use jobwheel_admin::dispatch::{Dispatcher, TriggerRequest, TriggerType};
use jobwheel_admin::monitor::cleanup::LogCleanup;
use jobwheel_admin::monitor::failure::{FailMonitor, RETRY_NOTE};
use jobwheel_admin::monitor::lost::{LOST_MSG, LostMonitor};
use jobwheel_admin::service::children::CHILD_HEADER;
use jobwheel_admin::service::reports;
use jobwheel_admin::store::{
    AddressType, GroupFields, JobInfo, JobLog, NewLog, Store, TriggerRecord, alarm_status,
};
use jobwheel_admin::time::{now_ms, now_naive, to_naive};
use jobwheel_executor::protocol::RegistryParam;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(15);
const FAST: Duration = Duration::from_millis(50);

/// A job of `group` running BEAN handler `handler`, not scheduled.
fn bean_job(group: i32, handler: &str, retries: i32) -> JobInfo {
    JobInfo {
        executor_handler: Some(handler.into()),
        executor_fail_retry_count: retries,
        ..common::executor::job(group, "FIRST")
    }
}

async fn trigger(state: &AppState, job_id: i32) -> Vec<i64> {
    state
        .dispatcher()
        .expect("dispatcher")
        .trigger(TriggerRequest::new(job_id, TriggerType::Manual))
        .await
        .expect("trigger")
}

/// Starts a fail monitor on `state` ticking every [`FAST`]; stops with the token.
fn fail_monitor(state: &AppState) -> CancellationToken {
    let stop = CancellationToken::new();
    let monitor = FailMonitor::new(state.clone())
        .expect("fail monitor")
        .with_period(FAST);
    tokio::spawn(monitor.run(stop.clone()));
    stop
}

fn settled(logs: &[JobLog]) -> bool {
    logs.iter()
        .all(|l| l.alarm_status > 0 || (l.handle_code == 200 && l.trigger_code == 200))
}

/// A job that fails with retry count 2 runs three times: the first run and two retries,
/// each retry with one retry fewer, each failure alarmed once by webhook.
async fn a_failing_job_is_retried_until_its_count_runs_out(store: Arc<dyn Store>) {
    let hook = WebhookSink::start().await;
    let url = hook.url.clone();
    let app = TestApp::start(store.clone(), move |c| c.alarm_webhook_url = Some(url)).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = SdkExecutor::start(&app.base, "retry-app", dir.path()).await;
    let group = manual_group(&*store, "retry-app", &[&executor.address]).await;
    let job = store.insert_job(&bean_job(group, "fail", 2)).await.unwrap();
    let stop = fail_monitor(&app.state);

    trigger(&app.state, job).await;
    let logs = wait_logs(&*store, job, WAIT, |logs| {
        logs.len() == 3 && logs.iter().all(|l| l.alarm_status == alarm_status::SENT)
    })
    .await;
    stop.cancel();
    // More passes find nothing left to retry.
    let again = FailMonitor::new(app.state.clone()).unwrap();
    again.pass().await.unwrap();
    again.pass().await.unwrap();
    let logs_after = logs_of(&*store, job).await;
    assert_eq!(logs_after.len(), 3, "{logs_after:#?}");

    let counts: Vec<i32> = logs.iter().map(|l| l.executor_fail_retry_count).collect();
    assert_eq!(counts, [2, 1, 0]);
    let types: Vec<&str> = logs
        .iter()
        .map(|l| l.trigger_type.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(types, ["MANUAL", "RETRY", "RETRY"]);
    for log in &logs {
        assert_eq!(log.trigger_code, 200, "{log:#?}");
        assert_eq!(log.handle_code, 500, "{log:#?}");
        assert!(
            log.handle_msg
                .as_deref()
                .unwrap_or_default()
                .contains("failed on purpose")
        );
    }
    for (log, next) in logs.iter().zip(&logs[1..]) {
        let msg = log.trigger_msg.as_deref().unwrap_or_default();
        assert!(msg.contains(RETRY_NOTE), "{msg}");
        assert!(
            msg.ends_with(&format!("retried as log {}", next.id)),
            "{msg}"
        );
    }
    assert!(
        !logs[2]
            .trigger_msg
            .as_deref()
            .unwrap_or_default()
            .contains(RETRY_NOTE)
    );
    let alarms = hook.wait_for(3, WAIT).await;
    let mut alarmed: Vec<i64> = alarms.iter().filter_map(|a| a["log_id"].as_i64()).collect();
    alarmed.sort();
    let ids: Vec<i64> = logs.iter().map(|l| l.id).collect();
    assert_eq!(alarmed, ids);
    assert_eq!(alarms[0]["job_id"], job);
    assert_eq!(alarms[0]["event"], "job_failed");
    assert_eq!(alarms[0]["handle_code"], 500);
}

/// A parent that succeeds triggers each of its children once (type PARENT); ids that name
/// no job, are not numbers or are the parent itself are reported in its handle message.
/// A parent that fails triggers nothing.
async fn a_successful_parent_fires_its_children(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone(), |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = SdkExecutor::start(&app.base, "family-app", dir.path()).await;
    let group = manual_group(&*store, "family-app", &[&executor.address]).await;
    let first = store.insert_job(&bean_job(group, "ok", 0)).await.unwrap();
    let second = store.insert_job(&bean_job(group, "ok", 0)).await.unwrap();
    let parent = store.insert_job(&bean_job(group, "ok", 0)).await.unwrap();
    let mut with_children = store.get_job(parent).await.unwrap().unwrap();
    with_children.child_jobid = Some(format!("{first}, {second},99999,abc,{parent}"));
    store.update_job(&with_children).await.unwrap();

    trigger(&app.state, parent).await;
    for child in [first, second] {
        let logs = wait_logs(&*store, child, WAIT, |logs| {
            logs.len() == 1 && logs[0].handle_code == 200
        })
        .await;
        assert_eq!(logs[0].trigger_type.as_deref(), Some("PARENT"));
    }
    let parent_log = eventually(WAIT, || async {
        let logs = logs_of(&*store, parent).await;
        let msg = logs.first()?.handle_msg.clone()?;
        msg.contains(CHILD_HEADER).then_some(msg)
    })
    .await;
    assert!(parent_log.starts_with("ok:p"), "{parent_log}");
    for line in [
        format!("1/5 [Job ID={first}], Trigger Success, Trigger msg: queued as log"),
        format!("2/5 [Job ID={second}], Trigger Success"),
        "3/5 [Job ID=99999], Trigger Fail, Trigger msg: job 99999 does not exist".to_string(),
        "4/5 [Job ID=abc], Trigger Fail, Trigger msg: Job ID is illegal".to_string(),
        format!("5/5 [Job ID={parent}], Trigger Fail, Trigger msg: Job ID is illegal"),
    ] {
        assert!(
            parent_log.contains(&line),
            "missing `{line}` in {parent_log}"
        );
    }
    assert_eq!(
        logs_of(&*store, parent).await.len(),
        1,
        "the parent is not its own child"
    );

    // A failing parent fires nothing.
    let lonely = store.insert_job(&bean_job(group, "ok", 0)).await.unwrap();
    let mut failing = bean_job(group, "fail", 0);
    failing.child_jobid = Some(lonely.to_string());
    let failing = store.insert_job(&failing).await.unwrap();
    trigger(&app.state, failing).await;
    wait_logs(&*store, failing, WAIT, |logs| {
        logs.len() == 1 && logs[0].handle_code == 500
    })
    .await;
    assert!(logs_of(&*store, lonely).await.is_empty());
}

/// An executor that accepted a run and then died leaves the run open; once it has waited
/// long enough and its executor is gone, the lost monitor closes it as failed. Runs on a
/// registered executor, or on a manual-group executor that still answers, stay open.
async fn an_executor_killed_mid_run_leaves_a_log_closed_as_lost(store: Arc<dyn Store>) {
    let state = state_over(store.clone(), |_| {});
    let dispatcher = Dispatcher::start(&state).unwrap();
    let state = state.with_dispatcher(dispatcher);
    let doomed = RecordingExecutor::start().await;
    let steady = RecordingExecutor::start().await;
    let unregistered = RecordingExecutor::start().await;
    let registered = RecordingExecutor::start().await;

    let manual_doomed = manual_group(&*store, "doomed", &[&doomed.address]).await;
    let manual_steady = manual_group(&*store, "steady", &[&steady.address]).await;
    let auto = |app: &str| GroupFields {
        app_name: app.into(),
        title: app.into(),
        address_type: AddressType::Auto,
        ..GroupFields::default()
    };
    let now = now_naive(state.tz);
    let auto_unregistered = store.insert_group(&auto("unreg"), now).await.unwrap();
    store
        .set_group_addresses(auto_unregistered, Some(&unregistered.address), now)
        .await
        .unwrap();
    let auto_registered = store.insert_group(&auto("reg"), now).await.unwrap();
    store
        .set_group_addresses(auto_registered, Some(&registered.address), now)
        .await
        .unwrap();
    // Registered without the trailing slash: still the same executor.
    let beat = RegistryParam {
        registry_group: "EXECUTOR".into(),
        registry_key: "reg".into(),
        registry_value: registered.address.trim_end_matches('/').into(),
    };
    store.registry_save(&beat, now).await.unwrap();

    let mut jobs = Vec::new();
    for group in [
        manual_doomed,
        manual_steady,
        auto_unregistered,
        auto_registered,
    ] {
        let job = store.insert_job(&bean_job(group, "demo", 0)).await.unwrap();
        trigger(&state, job).await;
        jobs.push(job);
    }
    let mut logs = Vec::new();
    for job in &jobs {
        let log = wait_logs(&*store, *job, WAIT, |l| {
            l.len() == 1 && l[0].trigger_code == 200
        })
        .await;
        logs.push(log[0].id);
    }
    drop(doomed); // killed mid-run: no result will ever come

    let young = LostMonitor::new(state.clone()).unwrap();
    assert!(
        young.pass().await.unwrap().is_empty(),
        "10 minutes have not passed"
    );
    let monitor = LostMonitor::new(state.clone())
        .unwrap()
        .with_threshold(Duration::ZERO);
    let lost = monitor.pass().await.unwrap();
    assert_eq!(
        lost,
        [logs[0], logs[2]],
        "the dead one and the unregistered one"
    );
    let closed = store.get_log(logs[0]).await.unwrap().unwrap();
    assert_eq!(closed.handle_code, 500);
    assert_eq!(closed.handle_msg.as_deref(), Some(LOST_MSG));
    for open in [logs[1], logs[3]] {
        assert_eq!(store.get_log(open).await.unwrap().unwrap().handle_code, 0);
    }
    assert!(monitor.pass().await.unwrap().is_empty(), "closed once");
    // The fail monitor then sees it as failed.
    FailMonitor::new(state.clone())
        .unwrap()
        .pass()
        .await
        .unwrap();
    let alarmed = store.get_log(logs[0]).await.unwrap().unwrap();
    assert_eq!(
        alarmed.alarm_status,
        alarm_status::NOT_NEEDED,
        "no alarm channel"
    );
}

/// An operator reads a running fire's log from its executor, kills it, and the log shows
/// the kill; the log then reads as ended.
async fn an_operator_tails_and_kills_a_running_fire(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone(), |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = SdkExecutor::start(&app.base, "kill-app", dir.path()).await;
    let group = manual_group(&*store, "kill-app", &[&executor.address]).await;
    let job = store.insert_job(&bean_job(group, "hang", 0)).await.unwrap();
    let log_id = trigger(&app.state, job).await[0];
    wait_logs(&*store, job, WAIT, |l| l[0].trigger_code == 200).await;

    let tail = format!("/logs/{log_id}/tail?fromLineNum=1");
    let first = eventually(WAIT, || async {
        let (status, body) = send(app.v1(Method::GET, &tail)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let content = body["logContent"].as_str().unwrap_or_default().to_string();
        content.contains("line 2 of a long run").then_some(body)
    })
    .await;
    assert_eq!(first["fromLineNum"], 1);
    assert_eq!(first["end"], false, "still running: {first}");

    let (status, killed) = send(app.v1(Method::POST, &format!("/logs/{log_id}/kill"))).await;
    assert_eq!(status, StatusCode::OK, "{killed}");
    assert_eq!(killed["code"], 500, "{killed}");
    let log = store.get_log(log_id).await.unwrap().unwrap();
    assert_eq!(log.handle_code, 500);
    assert!(
        log.handle_msg
            .as_deref()
            .unwrap_or_default()
            .contains("Manual operation, kill job"),
        "{log:#?}"
    );
    // Poll as the console does: move on past new lines until nothing new comes and the
    // run has its result.
    let mut next = first["toLineNum"].as_i64().unwrap() + 1;
    let deadline = std::time::Instant::now() + WAIT;
    let ended = loop {
        let path = format!("/logs/{log_id}/tail?fromLineNum={next}");
        let (_, body) = send(app.v1(Method::GET, &path)).await;
        assert_eq!(body["fromLineNum"], next, "{body}");
        if body["end"] == true {
            break body;
        }
        if body["toLineNum"].as_i64() >= Some(next) {
            next = body["toLineNum"].as_i64().unwrap() + 1;
        }
        assert!(std::time::Instant::now() < deadline, "never ended: {body}");
        tokio::time::sleep(FAST).await;
    };
    assert!(
        ended["fromLineNum"].as_i64() > ended["toLineNum"].as_i64(),
        "{ended}"
    );

    let (status, again) = send(app.v1(Method::POST, &format!("/logs/{log_id}/kill"))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, _) = send(app.v1(Method::POST, "/logs/99999/kill")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    expect_invalid(
        app.v1(Method::GET, &format!("/logs/{log_id}/tail?fromLineNum=0")),
        "fromLineNum",
    )
    .await;
}

/// A GLUE job's source is saved with a remark, versioned (newest first), restored, and
/// sent to the executor in the next trigger.
async fn glue_sources_are_versioned_and_travel_in_the_trigger(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone(), |_| {}).await;
    let executor = RecordingExecutor::start().await;
    let group = manual_group(&*store, "glue-app", &[&executor.address]).await;
    let mut shell = bean_job(group, "", 0);
    shell.executor_handler = None;
    shell.glue_type = "GLUE_SHELL".into();
    let job = store.insert_job(&shell).await.unwrap();
    let glue = format!("/jobs/{job}/glue");
    for v in 1..=3 {
        let body =
            json!({"glueSource": format!("echo v{v}"), "glueRemark": format!("version {v}")});
        let (status, saved) = send(app.v1(Method::PUT, &glue).json(&body)).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["glueSource"], format!("echo v{v}"));
    }
    let (_, versions) = send(app.v1(Method::GET, &format!("{glue}/versions"))).await;
    let remarks: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["glueRemark"].as_str())
        .collect();
    assert_eq!(remarks, ["version 3", "version 2", "version 1"]);
    let first = versions[2]["id"].clone();
    let (status, restored) = send(
        app.v1(Method::POST, &format!("{glue}/restore"))
            .json(&json!({"versionId": first})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["glueSource"], "echo v1");
    assert_eq!(restored["glueRemark"], "restored: version 1");
    let (_, shown) = send(app.v1(Method::GET, &glue)).await;
    assert_eq!(shown["glueSource"], "echo v1");
    assert_eq!(shown["glueType"], "GLUE_SHELL");

    // A source changed by editing the job is versioned too, so it can be restored.
    let (status, edited) = send(
        app.v1(Method::PUT, &format!("/jobs/{job}"))
            .json(&json!({"glueSource": "echo v4"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    let (_, versions) = send(app.v1(Method::GET, &format!("{glue}/versions"))).await;
    assert_eq!(versions[0]["glueSource"], "echo v4");
    assert_eq!(versions[0]["glueRemark"], "source changed with the job");
    let (status, _) = send(
        app.v1(Method::POST, &format!("{glue}/restore"))
            .json(&json!({"versionId": first})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    trigger(&app.state, job).await;
    let received = executor.wait_for(1, WAIT).await;
    assert_eq!(received[0].param.glue_source.as_deref(), Some("echo v1"));
    assert_eq!(received[0].param.glue_type.as_deref(), Some("GLUE_SHELL"));
    assert!(received[0].param.glue_updatetime > 0);

    expect_invalid(
        app.v1(Method::PUT, &glue)
            .json(&json!({"glueSource": "x", "glueRemark": "no"})),
        "glueRemark",
    )
    .await;
    let bean = store.insert_job(&bean_job(group, "demo", 0)).await.unwrap();
    let (status, _) = send(
        app.v1(Method::PUT, &format!("/jobs/{bean}/glue"))
            .json(&json!({"glueSource": "x", "glueRemark": "bean job"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = send(
        app.v1(Method::POST, &format!("{glue}/restore"))
            .json(&json!({"versionId": 99999})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A finished log of `job_id` (group `group`) triggered `days_ago` days ago.
async fn old_log(store: &dyn Store, group: i32, job_id: i32, days_ago: i64, handle: i32) -> i64 {
    let at = now_ms() - days_ago * 86_400_000;
    let tz = chrono_tz::UTC;
    let id = store
        .insert_log(&NewLog {
            job_group: group,
            job_id,
            trigger_time: to_naive(at, tz),
            fire_at: at,
            trigger_type: "CRON".into(),
            ..NewLog::default()
        })
        .await
        .unwrap();
    let record = TriggerRecord {
        trigger_code: 200,
        trigger_msg: "sent".into(),
        ..TriggerRecord::default()
    };
    store.record_trigger(id, &record).await.unwrap();
    if handle != 0 {
        store
            .complete_log(id, handle, "done", to_naive(at, tz))
            .await
            .unwrap();
    }
    id
}

/// The report counts each day's runs; operators clear logs by age, by job, or all; the
/// retention cleanup removes what is older than the configured days.
async fn reports_clears_and_retention(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone(), |c| c.time_zone = "UTC".into()).await;
    let s = &*store;
    for (days, handle) in [(0, 200), (0, 200), (0, 0), (0, 500), (1, 200), (1, 502)] {
        old_log(s, 1, 1, days, handle).await;
    }
    reports::refresh_recent(&app.state).await.unwrap();
    let today = now_naive(chrono_tz::UTC).date();
    let from = today - chrono::Duration::days(3);
    let (status, report) =
        send(app.v1(Method::GET, &format!("/report?from={from}&to={today}"))).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let days = report["days"].as_array().unwrap();
    assert_eq!(days.len(), 4);
    assert_eq!(days[0]["runningCount"], 0, "no logs that day: {report}");
    assert_eq!(
        days[2],
        json!({"day": (today - chrono::Duration::days(1)).to_string(), "runningCount": 0, "sucCount": 1, "failCount": 1})
    );
    assert_eq!(
        days[3],
        json!({"day": today.to_string(), "runningCount": 1, "sucCount": 2, "failCount": 1})
    );
    assert_eq!(report["sucCount"], 3);
    expect_invalid(
        app.v1(Method::GET, "/report?from=2024-02-01&to=2024-01-01"),
        "from",
    )
    .await;
    expect_invalid(app.v1(Method::GET, "/report?from=yesterday"), "from").await;

    // Clears: job 2's logs older than a month, then everything of group 3.
    let ancient = old_log(s, 1, 2, 40, 200).await;
    let recent = old_log(s, 1, 2, 5, 200).await;
    let other_group = old_log(s, 3, 4, 40, 200).await;
    let clear = |body: Value| app.v1(Method::POST, "/logs/clear").json(&body);
    let (status, cleared) = send(clear(json!({"jobGroup": 0, "jobId": 2, "type": 1}))).await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert_eq!(cleared["deleted"], 1);
    assert!(s.get_log(ancient).await.unwrap().is_none());
    assert!(s.get_log(recent).await.unwrap().is_some());
    let (_, cleared) = send(clear(json!({"jobGroup": 3, "type": 9}))).await;
    assert_eq!(cleared["deleted"], 1);
    assert!(s.get_log(other_group).await.unwrap().is_none());
    expect_invalid(clear(json!({"type": 10})), "type").await;

    // Retention: 3 days keeps the recent ones; below 3 the cleanup is off.
    let old = old_log(s, 1, 5, 10, 200).await;
    let off = state_over(store.clone(), |c| c.log_retention_days = 2);
    assert_eq!(LogCleanup::new(off).pass(None).await.unwrap(), 0);
    let on = state_over(store.clone(), |c| c.log_retention_days = 3);
    let deleted = LogCleanup::new(on).pass(None).await.unwrap();
    assert_eq!(deleted, 2, "the 10-day-old and the 5-day-old log");
    assert!(s.get_log(old).await.unwrap().is_none());
    assert_eq!(logs_of(s, 1).await.len(), 6, "the last two days stay");
}

/// A job may send its alarms to its own webhook instead of the admin's.
async fn a_job_names_its_own_alarm_webhook(store: Arc<dyn Store>) {
    let global = WebhookSink::start().await;
    let own = WebhookSink::start().await;
    let url = global.url.clone();
    let app = TestApp::start(store.clone(), move |c| c.alarm_webhook_url = Some(url)).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let group = manual_group(&*store, "hooked", &[&dead]).await;
    let body = |webhook: &str| {
        json!({"jobGroup": group, "jobDesc": "hooked", "author": "ops", "scheduleType": "NONE",
               "executorHandler": "demo", "alarmWebhook": webhook})
    };
    expect_invalid(
        app.v1(Method::POST, "/jobs").json(&body("ftp://nope")),
        "alarmWebhook",
    )
    .await;
    let (status, job) = send(app.v1(Method::POST, "/jobs").json(&body(&own.url))).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_eq!(job["alarmWebhook"], own.url.as_str());
    let job = job["id"].as_i64().unwrap() as i32;
    let log = trigger(&app.state, job).await[0];
    wait_logs(&*store, job, WAIT, |l| l[0].trigger_code == 500).await;
    FailMonitor::new(app.state.clone())
        .unwrap()
        .pass()
        .await
        .unwrap();
    let posts = own.wait_for(1, WAIT).await;
    assert_eq!(posts[0]["log_id"], log);
    assert!(
        global.received().is_empty(),
        "the job's own URL replaces the admin's"
    );
}

on_every_store!(
    a_failing_job_is_retried_until_its_count_runs_out,
    a_successful_parent_fires_its_children,
    an_executor_killed_mid_run_leaves_a_log_closed_as_lost,
    an_operator_tails_and_kills_a_running_fire,
    glue_sources_are_versioned_and_travel_in_the_trigger,
    reports_clears_and_retention,
    a_job_names_its_own_alarm_webhook,
);

/// A failed log of a job with `alarm_email`, as a failed trigger leaves it.
async fn failed_log_of(store: &dyn Store, emails: &str) -> (i32, i64) {
    let group = manual_group(store, "mail-app", &[]).await;
    let mut job = bean_job(group, "demo", 0);
    job.job_desc = "nightly <export>".into();
    job.alarm_email = Some(emails.into());
    let job = store.insert_job(&job).await.unwrap();
    let log = old_log(store, group, job, 0, 0).await;
    let failed = TriggerRecord {
        trigger_code: 500,
        trigger_msg: "Trigger type：Manual<br>registry address is empty".into(),
        ..TriggerRecord::default()
    };
    store.record_trigger(log, &failed).await.unwrap();
    (job, log)
}

#[tokio::test]
async fn alarm_mail_reaches_an_smtp_server() {
    let smtp = SmtpSink::start().await;
    let test_store = common::sqlite_store().await;
    let store = test_store.store.clone();
    let port = smtp.port;
    let state = state_over(store.clone(), |c| {
        c.smtp_host = Some("127.0.0.1".into());
        c.smtp_port = Some(port);
        c.smtp_tls = SmtpTls::None;
        c.smtp_from = Some("Jobwheel <jobwheel@localhost>".into());
        c.public_url = Some("https://jobs.example.com".into());
    });
    let (job, log) = failed_log_of(&*store, "ops@example.com, dev@example.com").await;
    FailMonitor::new(state).unwrap().pass().await.unwrap();

    let mails = smtp.wait_for(2, WAIT).await;
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        ["<dev@example.com>", "<ops@example.com>"],
        "one mail each"
    );
    let data = &mails[0].data;
    assert_eq!(mails[0].from, "<jobwheel@localhost>");
    assert!(
        data.contains(&format!("Subject: [Jobwheel] job {job}")),
        "{data}"
    );
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(data.contains("text/html"), "{data}");
    assert!(
        data.contains(&format!("https://jobs.example.com/logs/{log}")),
        "{data}"
    );
    assert!(data.contains("registry address is empty"), "{data}");
    assert!(
        data.contains("&lt;export&gt;"),
        "the job name is escaped in HTML: {data}"
    );
    let row = store.get_log(log).await.unwrap().unwrap();
    assert_eq!(row.alarm_status, alarm_status::SENT);
    assert!(row.alarm_msg.unwrap().contains("email:ops@example.com"));
}

#[tokio::test]
async fn an_undeliverable_alarm_is_recorded_once_and_not_retried() {
    let test_store = common::sqlite_store().await;
    let store = test_store.store.clone();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let hook = WebhookSink::start().await;
    let template = r#"{"msgtype":"text","text":{"content":"{{text}}"}}"#.to_string();
    let url = hook.url.clone();
    let state = state_over(store.clone(), move |c| {
        c.smtp_host = Some("127.0.0.1".into());
        c.smtp_port = Some(port);
        c.smtp_tls = SmtpTls::None;
        c.smtp_from = Some("jobwheel@localhost".into());
        c.alarm_webhook_url = Some(url);
        c.alarm_webhook_template = Some(template);
    });
    let (job, log) = failed_log_of(&*store, "ops@example.com").await;
    let monitor = FailMonitor::new(state).unwrap();
    monitor.pass().await.unwrap();
    monitor.pass().await.unwrap();

    let row = store.get_log(log).await.unwrap().unwrap();
    assert_eq!(row.alarm_status, alarm_status::FAILED);
    let msg = row.alarm_msg.unwrap();
    assert!(msg.contains("email to ops@example.com"), "{msg}");
    assert!(msg.contains("alarm sent: webhook"), "{msg}");
    let posts = hook.wait_for(1, WAIT).await;
    assert_eq!(posts.len(), 1, "alarmed once: {posts:?}");
    let content = posts[0]["text"]["content"].as_str().unwrap();
    assert!(content.contains(&format!("job {job}")), "{content}");
    assert!(content.contains("registry address is empty"), "{content}");
}

/// Two admins share one MariaDB; every failed fire is retried once and alarmed once, by
/// whichever admin claimed it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_retry_and_alarm_each_failure_exactly_once() {
    let Some(first) = common::mysql_store().await else {
        eprintln!("skipped: {} is not set", common::MYSQL_URL_VAR);
        return;
    };
    let second = jobwheel_admin::store::connect(&first.url, 5).await.unwrap();
    let hook = WebhookSink::start().await;
    let admin = |store: Arc<dyn Store>| {
        let url = hook.url.clone();
        let state = state_over(store, move |c| c.alarm_webhook_url = Some(url));
        let dispatcher = Dispatcher::start(&state).unwrap();
        state.with_dispatcher(dispatcher)
    };
    let a = admin(first.store.clone());
    let b = admin(second);
    // Nothing listens at this address: every trigger fails (connection refused).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let store = &*first.store;
    let group = manual_group(store, "nobody-home", &[&dead]).await;
    let mut jobs = Vec::new();
    for _ in 0..10 {
        jobs.push(store.insert_job(&bean_job(group, "demo", 1)).await.unwrap());
    }
    let stop_a = fail_monitor(&a);
    let stop_b = fail_monitor(&b);
    for (i, job) in jobs.iter().enumerate() {
        trigger(if i % 2 == 0 { &a } else { &b }, *job).await;
    }
    let mut all = Vec::new();
    for job in &jobs {
        let logs = wait_logs(store, *job, WAIT, |logs| logs.len() == 2 && settled(logs)).await;
        assert_eq!(logs[1].trigger_type.as_deref(), Some("RETRY"));
        all.extend(logs);
    }
    let posts = hook.wait_for(20, WAIT).await;
    // A few more ticks of both monitors change nothing.
    tokio::time::sleep(FAST * 6).await;
    stop_a.cancel();
    stop_b.cancel();
    let mut alarmed: Vec<i64> = hook
        .received()
        .iter()
        .filter_map(|p| p["log_id"].as_i64())
        .collect();
    alarmed.sort();
    let mut ids: Vec<i64> = all.iter().map(|l| l.id).collect();
    ids.sort();
    assert_eq!(
        alarmed,
        ids,
        "each failed log alarmed exactly once ({} posts)",
        posts.len()
    );
    for job in &jobs {
        assert_eq!(logs_of(store, *job).await.len(), 2, "retried exactly once");
    }
    for log in &all {
        assert_eq!(log.alarm_status, alarm_status::SENT, "{log:#?}");
    }
}
