//! Who may call the executor, and how it answers requests it cannot serve.

mod common;

use common::{APP, FakeAdmin, Mode, TOKEN, TestExecutor, builder};
use jobwheel_executor::protocol::{ACCESS_TOKEN_HEADER, APPNAME_HEADER, messages};
use serde_json::json;

#[tokio::test]
async fn the_token_is_checked_and_a_present_appname_must_match() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;
    let wrong = json!({"code": 500, "msg": messages::ACCESS_TOKEN_WRONG});

    let (_, reply) = executor.raw("/beat", &[], String::new()).await;
    assert_eq!(reply, wrong);
    let (_, reply) = executor
        .raw("/beat", &[(ACCESS_TOKEN_HEADER, "nope")], String::new())
        .await;
    assert_eq!(reply, wrong);
    let (_, reply) = executor
        .raw(
            "/beat",
            &[(ACCESS_TOKEN_HEADER, &format!("{TOKEN}x"))],
            String::new(),
        )
        .await;
    assert_eq!(reply, wrong);

    let (_, reply) = executor
        .raw(
            "/beat",
            &[(ACCESS_TOKEN_HEADER, TOKEN), (APPNAME_HEADER, "other-app")],
            String::new(),
        )
        .await;
    assert_eq!(
        reply,
        json!({"code": 500, "msg": messages::TOKEN_OR_APPNAME_INVALID})
    );

    for headers in [
        vec![(ACCESS_TOKEN_HEADER, TOKEN)],
        vec![(ACCESS_TOKEN_HEADER, TOKEN), (APPNAME_HEADER, APP)],
        vec![("xxl-job-access-token", TOKEN)],
    ] {
        let (status, reply) = executor.raw("/beat", &headers, String::new()).await;
        assert_eq!((status, reply), (200, json!({"code": 200})));
    }
    executor.stop().await;
}

#[tokio::test]
async fn strict_mode_requires_the_appname_header() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor =
        TestExecutor::start(builder(&admin.base, dir.path()).require_appname_header(true)).await;

    let (_, reply) = executor
        .raw("/beat", &[(ACCESS_TOKEN_HEADER, TOKEN)], String::new())
        .await;
    assert_eq!(
        reply,
        json!({"code": 500, "msg": messages::TOKEN_OR_APPNAME_EMPTY})
    );
    let (_, reply) = executor
        .raw(
            "/beat",
            &[(ACCESS_TOKEN_HEADER, "bad"), (APPNAME_HEADER, APP)],
            String::new(),
        )
        .await;
    assert_eq!(
        reply,
        json!({"code": 500, "msg": messages::TOKEN_OR_APPNAME_INVALID})
    );
    let (_, reply) = executor
        .raw(
            "/beat",
            &[(ACCESS_TOKEN_HEADER, TOKEN), (APPNAME_HEADER, APP)],
            String::new(),
        )
        .await;
    assert_eq!(reply, json!({"code": 200}));
    executor.stop().await;
}

#[tokio::test]
async fn without_a_token_every_caller_is_served() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path()).access_token("")).await;
    let (_, reply) = executor.raw("/beat", &[], String::new()).await;
    assert_eq!(reply, json!({"code": 200}));
    executor.stop().await;
}

#[tokio::test]
async fn unserviceable_requests_get_the_protocols_answers() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;
    let auth = [(ACCESS_TOKEN_HEADER, TOKEN)];

    // Any method but POST: HTTP 200 and the protocol's text.
    let response = executor
        .http
        .get(format!("{}/beat", executor.base))
        .header(ACCESS_TOKEN_HEADER, TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"code": 500, "msg": messages::METHOD_NOT_SUPPORTED})
    );

    let (_, reply) = executor.raw("/nope", &auth, String::new()).await;
    assert_eq!(
        reply,
        json!({"code": 500, "msg": "invalid request, uri-mapping(/nope) not found."})
    );

    // The query string does not get in the way of routing.
    let (_, reply) = executor.raw("/beat?from=admin", &auth, String::new()).await;
    assert_eq!(reply, json!({"code": 200}));

    let (_, reply) = executor.raw("/run", &auth, "{not json".into()).await;
    assert_eq!(reply["code"], 500);
    assert!(
        reply["msg"].as_str().unwrap().starts_with("request error:"),
        "{reply}"
    );

    let (_, reply) = executor
        .raw("/idleBeat", &auth, r#"{"jobId":"x"}"#.into())
        .await;
    assert!(
        reply["msg"].as_str().unwrap().starts_with("request error:"),
        "{reply}"
    );

    let huge = format!(
        r#"{{"jobId":1,"executorParams":"{}"}}"#,
        "x".repeat(6 << 20)
    );
    let (status, reply) = executor.raw("/run", &auth, huge).await;
    assert_eq!(status, 413);
    assert_eq!(reply["code"], 500);
    executor.stop().await;
}

#[tokio::test]
async fn glue_groovy_and_disabled_scripts_are_refused_clearly() {
    let admin = FakeAdmin::start(Mode::Up).await;
    let dir = tempfile::tempdir().unwrap();
    let executor = TestExecutor::start(builder(&admin.base, dir.path())).await;

    let mut body = common::trigger_body(1, 1, "", "", "SERIAL_EXECUTION", 0);
    body["glueType"] = json!("GLUE_GROOVY");
    body["glueSource"] = json!("class X {}");
    let reply = executor.post("/run", body.clone()).await;
    assert_eq!(reply["code"], 500);
    assert!(
        reply["msg"]
            .as_str()
            .unwrap()
            .starts_with("glueType[GLUE_GROOVY] is not valid."),
        "{reply}"
    );

    body["glueType"] = json!("GLUE_SHELL");
    assert_eq!(
        executor.post("/run", body.clone()).await,
        json!({"code": 500, "msg": "fail, current glue type [GLUE(Shell)] not supported."})
    );

    body["glueType"] = json!("GLUE_COBOL");
    assert_eq!(
        executor.post("/run", body).await,
        json!({"code": 500, "msg": "glueType[GLUE_COBOL] is not valid."})
    );
    executor.stop().await;
}
