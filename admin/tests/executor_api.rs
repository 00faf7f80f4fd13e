//! Executors of every XXL-JOB generation talk to the admin: they register, the registry
//! monitor makes them routable, they report results in all three callback shapes, and a
//! wrong token is refused in the protocol's words.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::app::{TestApp, eventually, send};
use jobwheel_admin::monitor::registry::RegistryMonitor;
use jobwheel_admin::store::{NewLog, RegistryRow, Store, TriggerRecord};
use jobwheel_admin::time::{now_ms, now_naive, to_naive};
use jobwheel_executor::protocol::{RegistryParam, messages};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const SUCCESS: &str = r#"{"code":200,"msg":null,"content":null,"data":null}"#;

fn beat(app_name: &str, address: &str) -> Value {
    json!({"registryGroup": "EXECUTOR", "registryKey": app_name, "registryValue": address})
}

/// Posts to the executor API and returns the raw reply text, asserting HTTP 200.
async fn call(request: reqwest::RequestBuilder) -> String {
    let response = request.send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("text")
}

async fn refused_with(request: reqwest::RequestBuilder, message: &str) {
    let reply: Value = serde_json::from_str(&call(request).await).expect("json");
    assert_eq!(reply["code"], 500, "{reply}");
    assert_eq!(reply["msg"], message, "{reply}");
}

async fn group_addresses(app: &TestApp, id: i64) -> Value {
    let (status, group) = send(app.v1(Method::GET, &format!("/groups/{id}"))).await;
    assert_eq!(status, StatusCode::OK, "{group}");
    group["addressList"].clone()
}

async fn create_group(app: &TestApp, body: Value) -> i64 {
    let (status, group) = send(app.v1(Method::POST, "/groups").json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    group["id"].as_i64().expect("id")
}

async fn running_log(store: &Arc<dyn Store>, app: &TestApp, group: i64, job: i32) -> i64 {
    let tz = app.state.tz;
    let id = store
        .insert_log(&NewLog {
            job_group: group as i32,
            job_id: job,
            trigger_time: now_naive(tz),
            fire_at: now_ms(),
            trigger_type: "MANUAL".into(),
            ..NewLog::default()
        })
        .await
        .expect("log");
    let record = TriggerRecord {
        trigger_code: 200,
        trigger_msg: "sent".into(),
        ..TriggerRecord::default()
    };
    store.record_trigger(id, &record).await.expect("record");
    id
}

/// A 2.x executor and a 3.5 executor register; the monitor puts both, sorted, into their
/// auto group; one leaves, one dies, and the monitor takes them out again.
async fn executors_register_and_become_routable(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone(), |c| c.context_path = "/xxl-job-admin".into()).await;
    let group = create_group(&app, json!({"appname": "sample-app", "title": "Sample"})).await;
    assert_eq!(group_addresses(&app, group).await, Value::Null);

    let shutdown = CancellationToken::new();
    let monitor = RegistryMonitor::new(app.state.clone()).with_period(Duration::from_millis(50));
    let running = tokio::spawn(monitor.run(shutdown.clone()));

    // 2.x: the bare body and only a (here unneeded) token header.
    let legacy = call(app.executor("registry", &beat("sample-app", "http://10.0.0.9:9999/"))).await;
    assert_eq!(legacy, SUCCESS);
    // 3.5: the app name header as well.
    let v35 = app
        .executor("registry", &beat("sample-app", "http://10.0.0.1:9999/"))
        .header("XXL-JOB-APPNAME", "sample-app")
        .header("XXL-JOB-ACCESS-TOKEN", "");
    assert_eq!(call(v35).await, SUCCESS);
    // A beat for another app does not land in this group.
    call(app.executor("registry", &beat("other-app", "http://10.0.0.5:9999/"))).await;

    eventually(Duration::from_secs(5), || async {
        (group_addresses(&app, group).await == "http://10.0.0.1:9999/,http://10.0.0.9:9999/")
            .then_some(())
    })
    .await;

    // Shutting down: registryRemove.
    call(app.executor(
        "registryRemove",
        &beat("sample-app", "http://10.0.0.9:9999/"),
    ))
    .await;
    eventually(Duration::from_secs(5), || async {
        (group_addresses(&app, group).await == "http://10.0.0.1:9999/").then_some(())
    })
    .await;

    // Dying: the last beat is more than 90 s old.
    let stale = to_naive(now_ms() - 91_000, app.state.tz);
    store
        .registry_save(
            &RegistryParam::executor("sample-app", "http://10.0.0.1:9999/"),
            stale,
        )
        .await
        .expect("stale beat");
    eventually(Duration::from_secs(5), || async {
        group_addresses(&app, group).await.is_null().then_some(())
    })
    .await;
    let alive: Vec<RegistryRow> = store
        .registry_alive(to_naive(now_ms() - 3_600_000, app.state.tz))
        .await
        .expect("rows");
    assert!(
        alive
            .iter()
            .all(|r| r.registry_value != "http://10.0.0.1:9999/"),
        "the dead row was deleted: {alive:?}"
    );

    // Manual groups are never touched.
    let manual = create_group(
        &app,
        json!({"appname": "manual-app", "title": "M", "addressType": 1, "addressList": "http://m:1/"}),
    )
    .await;
    call(app.executor("registry", &beat("manual-app", "http://10.0.0.7:9999/"))).await;
    let monitor = RegistryMonitor::new(app.state.clone());
    monitor.pass().await.expect("pass");
    assert_eq!(group_addresses(&app, manual).await, "http://m:1/");

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("monitor stops on shutdown")
        .expect("monitor task");
}

/// A busy executor reports many results in one batch: every run of the batch is completed
/// (the admin writes them side by side), each with its own result.
async fn a_large_callback_batch_completes_every_run(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone(), |_| {}).await;
    let group = create_group(&app, json!({"appname": "batch-app", "title": "Batch"})).await;
    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(running_log(&store, &app, group, 1).await);
    }
    let batch: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({"logId": id, "logDateTim": now_ms(), "handleCode": 200 + i % 2 * 300, "handleMsg": format!("run {i}")}))
        .collect();
    assert_eq!(call(app.executor("callback", &json!(batch))).await, SUCCESS);
    for (i, id) in ids.iter().enumerate() {
        let log = store.get_log(*id).await.expect("get").expect("log");
        let expected = (200 + i as i32 % 2 * 300, format!("run {i}"));
        assert_eq!(
            (log.handle_code, log.handle_msg.unwrap_or_default()),
            expected
        );
    }
}

/// Sixteen executors report at the same moment (the admin writes their batches together):
/// every run gets its own result, and a run two executors both report is completed once,
/// with one of the two messages, not both.
async fn concurrent_callbacks_complete_every_run_once(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone(), |_| {}).await;
    let group = create_group(&app, json!({"appname": "many-app", "title": "Many"})).await;
    let shared = running_log(&store, &app, group, 1).await;
    let mut own: Vec<Vec<i64>> = Vec::new();
    for _ in 0..16 {
        let mut ids = Vec::new();
        for _ in 0..5 {
            ids.push(running_log(&store, &app, group, 1).await);
        }
        own.push(ids);
    }
    let calls = own.iter().enumerate().map(|(executor, ids)| {
        let mut batch: Vec<Value> = ids
            .iter()
            .map(|id| json!({"logId": id, "logDateTim": now_ms(), "handleCode": 200, "handleMsg": format!("run {id}")}))
            .collect();
        batch.push(json!({"logId": shared, "logDateTim": now_ms(), "handleCode": 200, "handleMsg": format!("shared by {executor}")}));
        call(app.executor("callback", &json!(batch)))
    });
    for reply in futures::future::join_all(calls).await {
        assert_eq!(reply, SUCCESS);
    }
    for id in own.iter().flatten() {
        let log = store.get_log(*id).await.expect("get").expect("log");
        assert_eq!(
            (log.handle_code, log.handle_msg.unwrap_or_default()),
            (200, format!("run {id}"))
        );
    }
    let log = store.get_log(shared).await.expect("get").expect("log");
    let msg = log.handle_msg.unwrap_or_default();
    assert!(
        msg.starts_with("shared by ") && !msg.contains("<br>"),
        "written once: {msg}"
    );
}

/// Results arrive as a 2.x array (`logDateTim`), a 2.2 `executeResult`, and a 3.5
/// `{callbackList}`; each completes its run once, and a repeat is ignored.
async fn callbacks_in_every_shape_complete_a_run_once(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone(), |_| {}).await;
    let group = create_group(&app, json!({"appname": "callback-app", "title": "CB"})).await;
    let g1 = running_log(&store, &app, group, 1).await;
    let g22 = running_log(&store, &app, group, 1).await;
    let g3 = running_log(&store, &app, group, 1).await;

    let legacy =
        json!([{"logId": g1, "logDateTim": now_ms(), "handleCode": 200, "handleMsg": "all good"}]);
    assert_eq!(call(app.executor("callback", &legacy)).await, SUCCESS);
    let v22 = json!([{"logId": g22, "logDateTim": now_ms(), "executeResult": {"code": 500, "msg": "boom"}}]);
    assert_eq!(call(app.executor("callback", &v22)).await, SUCCESS);
    let v35 = json!({"callbackList": [
        {"logId": g3, "logDateTime": now_ms(), "handleCode": 502, "handleMsg": "job execute timeout "},
        {"logId": 987654321, "logDateTime": now_ms(), "handleCode": 200, "handleMsg": "unknown run"}
    ]});
    assert_eq!(
        call(
            app.executor("callback", &v35)
                .header("XXL-JOB-APPNAME", "callback-app")
        )
        .await,
        SUCCESS
    );

    for (id, code, msg) in [
        (g1, 200, "all good"),
        (g22, 500, "boom"),
        (g3, 502, "job execute timeout "),
    ] {
        let log = store.get_log(id).await.expect("get").expect("log");
        assert_eq!(
            (log.handle_code, log.handle_msg.as_deref()),
            (code, Some(msg))
        );
        assert!(log.handle_time.is_some());
    }

    // The executor retries the same batch, or a late duplicate arrives: the first wins.
    let repeat =
        json!([{"logId": g1, "logDateTim": now_ms(), "handleCode": 500, "handleMsg": "late"}]);
    assert_eq!(call(app.executor("callback", &repeat)).await, SUCCESS);
    let log = store.get_log(g1).await.expect("get").expect("log");
    assert_eq!(
        (log.handle_code, log.handle_msg.as_deref()),
        (200, Some("all good"))
    );
}

/// What XXL-JOB's dispatcher refuses, refused in its words.
async fn protocol_refusals(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone(), |c| {
        c.access_token = Some("cluster-token".into())
    })
    .await;
    let group = create_group(
        &app,
        json!({"appname": "tenant-a", "title": "A", "accessToken": "token-a"}),
    )
    .await;
    let other = create_group(&app, json!({"appname": "tenant-b", "title": "B"})).await;
    let url = |uri: &str| format!("{}/api/{uri}", app.base);
    let with_token = |r: reqwest::RequestBuilder| r.header("XXL-JOB-ACCESS-TOKEN", "cluster-token");

    refused_with(
        app.http.get(url("registry")),
        messages::METHOD_NOT_SUPPORTED,
    )
    .await;
    refused_with(
        with_token(app.http.post(url("callback"))),
        messages::BODY_EMPTY,
    )
    .await;
    refused_with(
        with_token(app.executor("run", &json!({}))),
        &messages::uri_not_found("run"),
    )
    .await;
    refused_with(
        with_token(app.executor("registry", &beat("", "http://x:1/"))),
        messages::ILLEGAL_ARGUMENT,
    )
    .await;

    // Wrong or missing tokens: legacy wording without the app name header, 3.5 wording with.
    let body = beat("tenant-b", "http://10.1.0.1:9999/");
    refused_with(
        app.executor("registry", &body),
        messages::ACCESS_TOKEN_WRONG,
    )
    .await;
    refused_with(
        app.executor("registry", &body)
            .header("XXL-JOB-ACCESS-TOKEN", "cluster-tokenX"),
        messages::ACCESS_TOKEN_WRONG,
    )
    .await;
    refused_with(
        app.executor("registry", &body)
            .header("XXL-JOB-APPNAME", "tenant-b")
            .header("XXL-JOB-ACCESS-TOKEN", "token-a"),
        messages::TOKEN_OR_APPNAME_INVALID,
    )
    .await;
    // A group token works for its own group only, named by header or by registryKey.
    let own = beat("tenant-a", "http://10.2.0.1:9999/");
    assert_eq!(
        call(
            app.executor("registry", &own)
                .header("XXL-JOB-ACCESS-TOKEN", "token-a")
        )
        .await,
        SUCCESS
    );
    refused_with(
        app.executor("registry", &own)
            .header("XXL-JOB-APPNAME", "tenant-b")
            .header("XXL-JOB-ACCESS-TOKEN", "token-a"),
        messages::TOKEN_OR_APPNAME_INVALID,
    )
    .await;
    assert_eq!(
        call(with_token(app.executor("registry", &body))).await,
        SUCCESS
    );

    // With tenant-a's token, tenant-a's run completes and tenant-b's does not.
    let mine = running_log(&store, &app, group, 1).await;
    let theirs = running_log(&store, &app, other, 2).await;
    let results = json!({"callbackList": [
        {"logId": mine, "logDateTime": 1, "handleCode": 200, "handleMsg": "ok"},
        {"logId": theirs, "logDateTime": 1, "handleCode": 200, "handleMsg": "forged"}
    ]});
    let request = app
        .executor("callback", &results)
        .header("XXL-JOB-APPNAME", "tenant-a")
        .header("XXL-JOB-ACCESS-TOKEN", "token-a");
    assert_eq!(call(request).await, SUCCESS);
    assert_eq!(
        store
            .get_log(mine)
            .await
            .expect("get")
            .expect("log")
            .handle_code,
        200
    );
    assert_eq!(
        store
            .get_log(theirs)
            .await
            .expect("get")
            .expect("log")
            .handle_code,
        0
    );
    refused_with(
        app.executor("callback", &results)
            .header("XXL-JOB-ACCESS-TOKEN", "token-a"),
        messages::ACCESS_TOKEN_WRONG,
    )
    .await;
}

/// A new executor is routable from its first heartbeat, and one that deregisters leaves the
/// list at once: no monitor tick is needed either way.
async fn the_address_list_follows_beats_and_removals_at_once(store: Arc<dyn Store>) {
    let app = TestApp::start(store, |_| {}).await;
    let group = create_group(&app, json!({"appname": "eager-app", "title": "Eager"})).await;
    assert_eq!(group_addresses(&app, group).await, Value::Null);

    call(app.executor("registry", &beat("eager-app", "http://10.1.0.2:9999/"))).await;
    call(app.executor("registry", &beat("eager-app", "http://10.1.0.1:9999/"))).await;
    assert_eq!(
        group_addresses(&app, group).await,
        json!("http://10.1.0.1:9999/,http://10.1.0.2:9999/")
    );
    // A repeated beat changes nothing.
    call(app.executor("registry", &beat("eager-app", "http://10.1.0.1:9999/"))).await;
    call(app.executor(
        "registryRemove",
        &beat("eager-app", "http://10.1.0.2:9999/"),
    ))
    .await;
    assert_eq!(
        group_addresses(&app, group).await,
        json!("http://10.1.0.1:9999/")
    );
}

on_every_store!(
    the_address_list_follows_beats_and_removals_at_once,
    executors_register_and_become_routable,
    callbacks_in_every_shape_complete_a_run_once,
    a_large_callback_batch_completes_every_run,
    concurrent_callbacks_complete_every_run_once,
    protocol_refusals,
);
