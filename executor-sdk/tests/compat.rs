//! Requests replayed exactly as XXL-JOB admins send them (shared/PROTOCOL.md §0, §1.4, §2),
//! and the replies checked field by field, for the three protocol generations:
//! * 2.4 (G1): `XxlJobRemotingUtil` posts Gson JSON with `application/json;charset=UTF-8`,
//!   the token header only, `/run`, `logDateTim` in `/log`, and reads `content`;
//! * 3.4 (G2): `HttpTool` posts `application/json`, token only, `/run`, `logDateTim`, reads
//!   `data`;
//! * 3.5 (G3): token and appname headers, `/trigger`, `logDateTime`, reads `data`.

mod common;

use common::{APP, FakeAdmin, Mode, TOKEN, TestExecutor, builder, now_millis};
use jobwheel_executor::protocol::{ACCESS_TOKEN_HEADER, APPNAME_HEADER};
use serde_json::{Value, json};

struct Generation {
    name: &'static str,
    content_type: &'static str,
    appname: bool,
    trigger_path: &'static str,
    log_time_key: &'static str,
    beat_body: &'static str,
}

const GENERATIONS: [Generation; 3] = [
    Generation {
        name: "2.4",
        content_type: "application/json;charset=UTF-8",
        appname: false,
        trigger_path: "/run",
        log_time_key: "logDateTim",
        beat_body: r#""""#,
    },
    Generation {
        name: "3.4",
        content_type: "application/json",
        appname: false,
        trigger_path: "/run",
        log_time_key: "logDateTim",
        beat_body: "",
    },
    Generation {
        name: "3.5",
        content_type: "application/json",
        appname: true,
        trigger_path: "/trigger",
        log_time_key: "logDateTime",
        beat_body: "",
    },
];

impl Generation {
    /// Sends `body` byte for byte with this generation's headers; returns the parsed reply,
    /// after checking the transport parts every generation relies on.
    async fn send(&self, executor: &TestExecutor, path: &str, body: &str) -> Value {
        let mut request = executor
            .http
            .post(format!("{}{path}", executor.base))
            .header("Content-Type", self.content_type)
            .header(ACCESS_TOKEN_HEADER, TOKEN)
            .body(body.to_string());
        if self.name == "2.4" {
            request = request.header("Accept-Charset", "application/json;charset=UTF-8");
        }
        if self.appname {
            request = request.header(APPNAME_HEADER, APP);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{} {path}", self.name);
        assert_eq!(
            response.headers()["content-type"],
            "application/json;charset=UTF-8"
        );
        serde_json::from_str(&response.text().await.unwrap()).unwrap()
    }
}

/// A TriggerParam as Gson writes it: declaration order, nulls (glueSource) omitted.
fn trigger_json(job_id: i32, log_id: i64, handler: &str, param: &str, at: i64) -> String {
    format!(
        r#"{{"jobId":{job_id},"executorHandler":"{handler}","executorParams":"{param}","executorBlockStrategy":"SERIAL_EXECUTION","executorTimeout":0,"logId":{log_id},"logDateTime":{at},"glueType":"BEAN","glueUpdatetime":{at},"broadcastIndex":1,"broadcastTotal":3}}"#
    )
}

#[tokio::test]
async fn every_generation_of_admin_is_answered_as_it_expects() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path()).handler(
        "shardAware",
        |ctx| async move {
            ctx.log(format!("shard {}/{}", ctx.shard_index(), ctx.shard_total()));
            if ctx.param() == "slow" {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            }
            Ok::<_, String>(format!("{}/{}", ctx.shard_index(), ctx.shard_total()))
        },
    ))
    .await;

    for (n, generation) in GENERATIONS.iter().enumerate() {
        let job_id = 100 + n as i32;
        let log_id = 1000 + n as i64;
        let at = now_millis();
        let g = generation.name;

        assert_eq!(
            generation
                .send(&executor, "/beat", generation.beat_body)
                .await,
            json!({"code": 200}),
            "{g}"
        );
        assert_eq!(
            generation
                .send(&executor, "/idleBeat", &format!(r#"{{"jobId":{job_id}}}"#))
                .await,
            json!({"code": 200}),
            "{g}"
        );

        let body = trigger_json(job_id, log_id, "shardAware", "", at);
        assert_eq!(
            generation
                .send(&executor, generation.trigger_path, &body)
                .await,
            json!({"code": 200}),
            "{g}"
        );
        let result = admin.result(log_id).await;
        assert_eq!(
            (result.handle_code, result.handle_msg.as_deref()),
            (200, Some("1/3")),
            "{g}"
        );

        let log = generation
            .send(
                &executor,
                "/log",
                &format!(
                    r#"{{"{}":{at},"logId":{log_id},"fromLineNum":1}}"#,
                    generation.log_time_key
                ),
            )
            .await;
        assert_eq!(log["code"], 200, "{g}");
        assert!(
            log.get("msg").is_none(),
            "{g}: nulls are omitted, as Gson does"
        );
        // G1 reads `content`, G2/G3 read `data`: both carry the same LogResult.
        assert_eq!(log["content"], log["data"], "{g}");
        let page = log["data"].as_object().unwrap();
        let mut keys: Vec<&str> = page.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["fromLineNum", "isEnd", "logContent", "toLineNum"],
            "{g}"
        );
        assert_eq!(page["fromLineNum"], 1, "{g}");
        assert_eq!(page["isEnd"], false, "{g}");
        assert!(page["toLineNum"].as_i64().unwrap() >= 3, "{g}");
        assert!(
            page["logContent"].as_str().unwrap().contains("shard 1/3"),
            "{g}"
        );

        // A busy job, then /kill with and without a job thread.
        let slow = trigger_json(job_id, log_id + 10, "shardAware", "slow", at);
        generation
            .send(&executor, generation.trigger_path, &slow)
            .await;
        assert_eq!(
            generation
                .send(&executor, "/idleBeat", &format!(r#"{{"jobId":{job_id}}}"#))
                .await,
            json!({"code": 500, "msg": "job thread is running or has trigger queue."}),
            "{g}"
        );
        assert_eq!(
            generation
                .send(&executor, "/kill", &format!(r#"{{"jobId":{job_id}}}"#))
                .await,
            json!({"code": 200}),
            "{g}"
        );
        assert_eq!(
            generation
                .send(&executor, "/kill", &format!(r#"{{"jobId":{job_id}}}"#))
                .await,
            json!({"code": 200, "msg": "job thread already killed.", "data": "job thread already killed."}),
            "{g}"
        );
        assert_eq!(admin.result(log_id + 10).await.handle_code, 500, "{g}");
    }
    executor.stop().await;
}

#[tokio::test]
async fn gson_leniency_is_matched_numbers_as_strings_and_unknown_fields() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;
    let body = r#"{"jobId":"7","executorHandler":"echo","executorParams":null,"logId":"77","logDateTime":"0","glueType":"BEAN","someFutureField":{"x":1}}"#;
    let reply = GENERATIONS[0].send(&executor, "/run", body).await;
    assert_eq!(reply, json!({"code": 200}));
    let result = admin.result(77).await;
    assert_eq!(result.handle_msg.as_deref(), Some("echo:"));
    assert_eq!(result.log_date_time, 0);
    executor.stop().await;
}

#[tokio::test]
async fn what_the_executor_sends_each_generation_of_admin() {
    // Registry: the same body for every generation, both headers always.
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;
    let beat = &admin.wait_calls("/api/registry", 1).await[0];
    assert_eq!(
        beat.body,
        json!({"registryGroup": "EXECUTOR", "registryKey": APP, "registryValue": executor.address})
    );
    assert_eq!(
        (beat.token.as_deref(), beat.app_name.as_deref()),
        (Some(TOKEN), Some(APP))
    );

    // Callback, legacy shape: an array whose items carry 2.2's executeResult and both time
    // spellings, which every 2.x–3.4 admin reads.
    executor.trigger(1, 9, "fail", "").await;
    admin.result(9).await;
    let call = &admin.calls("/api/callback")[0];
    let item = call.body[0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "executeResult",
            "handleCode",
            "handleMsg",
            "logDateTim",
            "logDateTime",
            "logId"
        ]
    );
    assert_eq!(item["handleCode"], 500);
    assert_eq!(item["handleMsg"], "it failed on purpose");
    assert_eq!(
        item["executeResult"],
        json!({"code": 500, "msg": "it failed on purpose"})
    );
    executor.stop().await;
    assert_eq!(admin.calls("/api/registryRemove").len(), 1);
}
