//! The console's job, group and log pages over plain HTTP, as a browser without JavaScript
//! uses them: forms, field errors, and the server refusing other groups' jobs.

mod common;
#[path = "common/console.rs"]
mod console;

use console::{Browser, Console, start};

/// Adds normal user `name` allowed on `groups` (through the users page, as an admin would).
async fn add_user(app: &Console, admin: &mut Browser, name: &str, groups: &[i32]) {
    let token = admin.get("/users/new").await.csrf();
    let groups: Vec<String> = groups.iter().map(i32::to_string).collect();
    let mut form = vec![
        ("_csrf", token.as_str()),
        ("username", name),
        ("password", "user-secret"),
        ("role", "0"),
    ];
    form.extend(groups.iter().map(|g| ("groups", g.as_str())));
    let made = admin.post("/users", &form).await;
    assert_eq!(made.status, 303, "{}", made.body);
    assert!(
        app.state
            .store
            .get_user_by_username(name)
            .await
            .unwrap()
            .is_some()
    );
}

/// The id of the one job the story has added.
async fn only_job(app: &Console) -> i32 {
    let page = jobwheel_admin::store::Page {
        offset: 0,
        limit: 1,
    };
    let filter = jobwheel_admin::store::JobFilter::default();
    let (jobs, _) = app.state.store.list_jobs(&filter, page).await.unwrap();
    jobs.first().expect("the story added a job").id
}

fn job_form<'a>(
    token: &'a str,
    group: &'a str,
    desc: &'a str,
    cron: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", token),
        ("jobGroup", group),
        ("jobDesc", desc),
        ("author", "ops"),
        ("alarmEmail", ""),
        ("alarmWebhook", ""),
        ("scheduleType", "CRON"),
        ("scheduleConf", cron),
        ("timeZone", ""),
        ("misfireStrategy", "DO_NOTHING"),
        ("executorRouteStrategy", "ROUND"),
        ("executorBlockStrategy", "SERIAL_EXECUTION"),
        ("executorTimeout", "30"),
        ("executorFailRetryCount", "2"),
        ("childJobId", ""),
        ("glueType", "BEAN"),
        ("executorHandler", "billingJob"),
        ("executorParam", "a=1"),
    ]
}

#[tokio::test]
async fn an_admin_adds_edits_copies_starts_stops_and_deletes_a_job() {
    let app = start().await;
    let group = console::add_group(&app, "billing-executor", "Billing").await;
    let group_id = group.to_string();
    let mut admin = Browser::new(&app);
    admin.login("admin", &app.admin_password).await;

    let form = admin.get("/jobs/new").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("data-preview"), "live cron preview");
    assert!(form.body.contains("Billing"), "groups to choose");
    let token = form.csrf();

    let bad = admin
        .post(
            "/jobs",
            &job_form(&token, &group_id, "Nightly invoices", "0 0 25 * * ?"),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let error_at = bad
        .body
        .find("class=\"field-error\"")
        .expect("a field error");
    let conf_at = bad
        .body
        .find("id=\"job-schedule-conf\"")
        .expect("conf field");
    assert!(
        error_at > conf_at && bad.body[conf_at..error_at].matches("<label").count() == 0,
        "the cron error is shown by the cron field"
    );
    assert!(bad.body.contains("Nightly invoices"), "typed values stay");

    let made = admin
        .post(
            "/jobs",
            &job_form(&token, &group_id, "Nightly invoices", "0 0 2 * * ?"),
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let filter = jobwheel_admin::store::JobFilter::default();
    let page = jobwheel_admin::store::Page {
        offset: 0,
        limit: 10,
    };
    let (jobs, _) = app.state.store.list_jobs(&filter, page).await.unwrap();
    let job = jobs.first().expect("the job is stored").clone();
    assert_eq!(
        (
            job.executor_route_strategy.as_deref(),
            job.executor_timeout,
            job.executor_fail_retry_count
        ),
        (Some("ROUND"), 30, 2)
    );

    let list = admin
        .get(&format!("/jobs?group={group}&desc=Nightly"))
        .await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Nightly invoices") && list.body.contains("billingJob"));
    let none = admin.get("/jobs?desc=no-such-job").await;
    assert!(!none.body.contains("Nightly invoices"), "filters apply");

    let edit = admin.get(&format!("/jobs/{}/edit", job.id)).await;
    assert!(edit.body.contains("value=\"0 0 2 * * ?\""));
    let changed = admin
        .post(
            &format!("/jobs/{}", job.id),
            &job_form(&token, &group_id, "Nightly invoices v2", "0 30 2 * * ?"),
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let copy = admin.get(&format!("/jobs/new?copy={}", job.id)).await;
    assert!(copy.body.contains("Nightly invoices v2") && copy.body.contains("action=\"/jobs\""));

    // The job's own alarm webhook (REST v1's `alarmWebhook`): checked, stored, shown, cleared.
    let with_webhook = |url: &'static str| {
        let mut form = job_form(&token, &group_id, "Nightly invoices v2", "0 30 2 * * ?");
        form.retain(|(k, _)| *k != "alarmWebhook");
        form.push(("alarmWebhook", url));
        form
    };
    let bad_hook = admin
        .post(
            &format!("/jobs/{}", job.id),
            &with_webhook("ftp://hooks.test/x"),
        )
        .await;
    assert_eq!(bad_hook.status, 422, "{}", bad_hook.body);
    let error_at = bad_hook
        .body
        .find("class=\"field-error\"")
        .expect("an error");
    let hook_at = bad_hook
        .body
        .find("id=\"job-alarm-webhook\"")
        .expect("field");
    assert!(
        error_at > hook_at,
        "the webhook error is shown by its field"
    );
    let hook = "http://127.0.0.1:9/alarms?team=billing";
    let good_hook = admin
        .post(&format!("/jobs/{}", job.id), &with_webhook(hook))
        .await;
    assert_eq!(good_hook.status, 303, "{}", good_hook.body);
    let stored = app.state.store.get_job(job.id).await.unwrap().unwrap();
    assert_eq!(stored.alarm_webhook.as_deref(), Some(hook));
    let edit = admin.get(&format!("/jobs/{}/edit", job.id)).await;
    assert!(
        edit.body
            .contains("value=\"http://127.0.0.1:9/alarms?team=billing\""),
        "{}",
        edit.body
    );
    let cleared = admin
        .post(&format!("/jobs/{}", job.id), &with_webhook(""))
        .await;
    assert_eq!(cleared.status, 303, "{}", cleared.body);
    let stored = app.state.store.get_job(job.id).await.unwrap().unwrap();
    assert_eq!(
        stored.alarm_webhook, None,
        "blank means the admin's default"
    );

    let id = job.id;
    let started = admin
        .post(&format!("/jobs/{id}/start"), &[("_csrf", &token)])
        .await;
    assert_eq!(started.status, 303);
    let stored = app.state.store.get_job(id).await.unwrap().unwrap();
    assert_eq!(stored.trigger_status, 1);
    assert!(stored.trigger_next_time > 0);
    let list = admin.get("/jobs").await;
    assert!(
        list.body
            .contains("data-confirm=\"Stop scheduling this job?\"")
    );
    admin
        .post(&format!("/jobs/{id}/stop"), &[("_csrf", &token)])
        .await;
    assert_eq!(
        app.state
            .store
            .get_job(id)
            .await
            .unwrap()
            .unwrap()
            .trigger_status,
        0
    );

    let no_scheduler = admin
        .post(
            &format!("/jobs/{id}/trigger"),
            &[("_csrf", &token), ("executorParam", "x")],
        )
        .await;
    assert_eq!(no_scheduler.status, 409, "this admin has no scheduler");

    let gone = admin
        .post(&format!("/jobs/{id}/delete"), &[("_csrf", &token)])
        .await;
    assert_eq!(gone.status, 303);
    assert!(app.state.store.get_job(id).await.unwrap().is_none());
    assert_eq!(admin.get(&format!("/jobs/{id}/edit")).await.status, 404);
}

#[tokio::test]
async fn a_normal_user_sees_and_operates_only_the_jobs_of_their_groups() {
    let app = start().await;
    let mine = console::add_group(&app, "billing-executor", "Billing").await;
    let theirs = console::add_group(&app, "payroll-executor", "Payroll").await;
    let mut admin = Browser::new(&app);
    admin.login("admin", &app.admin_password).await;
    let token = admin.get("/jobs/new").await.csrf();
    for (group, desc) in [(mine, "Billing run"), (theirs, "Payroll run")] {
        let group = group.to_string();
        let made = admin
            .post("/jobs", &job_form(&token, &group, desc, "0 0 2 * * ?"))
            .await;
        assert_eq!(made.status, 303, "{}", made.body);
    }
    let (jobs, _) = app
        .state
        .store
        .list_jobs(
            &jobwheel_admin::store::JobFilter {
                job_group: Some(theirs),
                ..Default::default()
            },
            jobwheel_admin::store::Page {
                offset: 0,
                limit: 10,
            },
        )
        .await
        .unwrap();
    let payroll = jobs[0].id;
    add_user(&app, &mut admin, "bob-ops", &[mine]).await;

    let mut bob = Browser::new(&app);
    bob.login("bob-ops", "user-secret").await;
    let list = bob.get("/jobs").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Billing run"), "{}", list.body);
    assert!(!list.body.contains("Payroll run"));
    assert!(
        !list.body.contains("Payroll"),
        "other groups are not even offered"
    );
    assert_eq!(bob.get(&format!("/jobs?group={theirs}")).await.status, 403);
    assert_eq!(bob.get(&format!("/jobs/{payroll}/edit")).await.status, 403);
    assert_eq!(
        bob.get(&format!("/jobs/new?copy={payroll}")).await.status,
        403
    );
    assert_eq!(
        bob.get(&format!("/jobs/{payroll}/trigger")).await.status,
        403
    );
    let token = list.csrf();
    for action in ["start", "stop", "trigger", "delete"] {
        let refused = bob
            .post(&format!("/jobs/{payroll}/{action}"), &[("_csrf", &token)])
            .await;
        assert_eq!(refused.status, 403, "{action}");
    }
    let theirs_text = theirs.to_string();
    let smuggled = bob
        .post(
            "/jobs",
            &job_form(&token, &theirs_text, "Sneaky", "0 0 2 * * ?"),
        )
        .await;
    assert_eq!(smuggled.status, 403, "cannot add to another group");
    assert!(app.state.store.get_job(payroll).await.unwrap().is_some());
}

#[tokio::test]
async fn an_admin_manages_executor_groups_and_sees_which_executors_are_online() {
    let app = start().await;
    let mut admin = Browser::new(&app);
    admin.login("admin", &app.admin_password).await;
    let token = admin.get("/groups/new").await.csrf();

    let bad = admin
        .post(
            "/groups",
            &[
                ("_csrf", &token),
                ("appname", "report-executor"),
                ("title", "Reports"),
                ("addressType", "1"),
                ("addressList", "127.0.0.1:9999"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body
            .contains("class=\"field-error\">`127.0.0.1:9999` must start with http://"),
        "{}",
        bad.body
    );
    let made = admin
        .post(
            "/groups",
            &[
                ("_csrf", &token),
                ("appname", "report-executor"),
                ("title", "Reports"),
                ("addressType", "1"),
                (
                    "addressList",
                    "http://127.0.0.1:9999, http://127.0.0.1:9998",
                ),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let beat = jobwheel_executor::protocol::RegistryParam {
        registry_group: "EXECUTOR".into(),
        registry_key: "report-executor".into(),
        registry_value: "http://127.0.0.1:9999".into(),
    };
    jobwheel_admin::service::registry::beat(&app.state, &beat)
        .await
        .unwrap();

    let list = admin.get("/groups").await;
    assert_eq!(list.status, 200);
    let online = "<span class=\"badge ok\">online</span> <code>http://127.0.0.1:9999</code>";
    let offline = "<span class=\"badge\">offline</span> <code>http://127.0.0.1:9998</code>";
    assert!(list.body.contains(online), "{}", list.body);
    assert!(list.body.contains(offline), "{}", list.body);

    let group = app
        .state
        .store
        .all_groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.app_name == "report-executor")
        .unwrap();
    let edit = admin.get(&format!("/groups/{}/edit", group.id)).await;
    assert!(edit.body.contains("value=\"report-executor\""));
    let renamed = admin
        .post(
            &format!("/groups/{}", group.id),
            &[
                ("_csrf", &token),
                ("appname", "report-executor"),
                ("title", "Monthly reports"),
                ("addressType", "0"),
                ("addressList", ""),
            ],
        )
        .await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    let list = admin.get("/groups").await;
    assert!(
        list.body.contains("Monthly reports") && list.body.contains("Registered automatically")
    );

    let job_group = group.id.to_string();
    let job = admin
        .post(
            "/jobs",
            &job_form(&token, &job_group, "Report", "0 0 2 * * ?"),
        )
        .await;
    assert_eq!(job.status, 303, "{}", job.body);
    let in_use = admin
        .post(
            &format!("/groups/{}/delete", group.id),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(in_use.status, 409, "a group with jobs stays");

    add_user(&app, &mut admin, "bob-ops", &[group.id]).await;
    let mut bob = Browser::new(&app);
    bob.login("bob-ops", "user-secret").await;
    assert_eq!(bob.get("/groups").await.status, 403);
    assert!(!bob.get("/jobs").await.body.contains(">Executor groups<"));
    let empty = console::add_group(&app, "empty-executor", "Empty").await;
    let gone = admin
        .post(&format!("/groups/{empty}/delete"), &[("_csrf", &token)])
        .await;
    assert_eq!(gone.status, 303);
    assert!(app.state.store.get_group(empty).await.unwrap().is_none());
}

#[tokio::test]
async fn logs_are_filtered_by_group_and_a_runs_messages_are_escaped() {
    use jobwheel_admin::store::{FireState, NewLog, TriggerRecord};
    let app = start().await;
    let mine = console::add_group(&app, "billing-executor", "Billing").await;
    let theirs = console::add_group(&app, "payroll-executor", "Payroll").await;
    let mut admin = Browser::new(&app);
    admin.login("admin", &app.admin_password).await;
    let token = admin.get("/jobs/new").await.csrf();
    let mut logs = Vec::new();
    for (group, desc) in [(mine, "Billing run"), (theirs, "Payroll run")] {
        let group_text = group.to_string();
        admin
            .post("/jobs", &job_form(&token, &group_text, desc, "0 0 2 * * ?"))
            .await;
        let job = app
            .state
            .store
            .list_jobs(
                &jobwheel_admin::store::JobFilter {
                    job_group: Some(group),
                    ..Default::default()
                },
                jobwheel_admin::store::Page {
                    offset: 0,
                    limit: 1,
                },
            )
            .await
            .unwrap()
            .0[0]
            .id;
        let now = jobwheel_admin::time::now_naive(app.state.tz);
        let id = app
            .state
            .store
            .insert_log(&NewLog {
                job_group: group,
                job_id: job,
                trigger_time: now,
                fire_at: jobwheel_admin::time::now_ms(),
                fire_state: FireState::Claimed,
                trigger_type: "MANUAL".into(),
                executor_fail_retry_count: 0,
                executor_param: None,
                executor_sharding_param: None,
            })
            .await
            .unwrap();
        let record = TriggerRecord {
            trigger_code: 500,
            trigger_msg: format!("<b>{desc}</b><br><script>alert(1)</script>"),
            executor_address: Some("http://127.0.0.1:1".into()),
            ..TriggerRecord::default()
        };
        app.state.store.record_trigger(id, &record).await.unwrap();
        logs.push(id);
    }
    let (billing_log, payroll_log) = (logs[0], logs[1]);

    let all = admin.get("/logs?status=failure").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.body.contains(&format!("data-log=\"{billing_log}\"")));
    assert!(all.body.contains(&format!("data-log=\"{payroll_log}\"")));
    let billing = admin.get(&format!("/logs?group={mine}")).await;
    assert!(
        !billing
            .body
            .contains(&format!("data-log=\"{payroll_log}\""))
    );
    let none = admin.get("/logs?status=success").await;
    assert!(!none.body.contains("data-log="), "status filter applies");
    let bad = admin.get("/logs?from=yesterday").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("class=\"field-error\">`yesterday`"));

    let detail = admin.get(&format!("/logs/{billing_log}")).await;
    assert_eq!(detail.status, 200);
    assert!(
        detail
            .body
            .contains("<b>Billing run</b><br>&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        detail.body
    );
    assert!(detail.body.contains("data-log-tail=\"/logs/"));
    assert!(
        !detail.body.contains("id=\"log-kill\""),
        "a failed run cannot be killed"
    );

    add_user(&app, &mut admin, "bob-ops", &[mine]).await;
    let mut bob = Browser::new(&app);
    bob.login("bob-ops", "user-secret").await;
    let list = bob.get("/logs").await;
    assert!(list.body.contains(&format!("data-log=\"{billing_log}\"")));
    assert!(!list.body.contains(&format!("data-log=\"{payroll_log}\"")));
    assert_eq!(bob.get(&format!("/logs?group={theirs}")).await.status, 403);
    assert_eq!(bob.get(&format!("/logs/{payroll_log}")).await.status, 403);
    assert_eq!(
        bob.get(&format!("/logs/{payroll_log}/tail?from=1"))
            .await
            .status,
        403
    );
    let token = list.csrf();
    let kill = bob
        .post(&format!("/logs/{payroll_log}/kill"), &[("_csrf", &token)])
        .await;
    assert_eq!(kill.status, 403);
    let clear_all = bob
        .post("/logs/clear", &[("_csrf", &token), ("type", "9")])
        .await;
    assert_eq!(clear_all.status, 403, "only admins clear every group");
    let theirs_text = theirs.to_string();
    let clear_theirs = bob
        .post(
            "/logs/clear",
            &[("_csrf", &token), ("group", &theirs_text), ("type", "9")],
        )
        .await;
    assert_eq!(clear_theirs.status, 403);
    let mine_text = mine.to_string();
    let cleared = bob
        .post(
            "/logs/clear",
            &[("_csrf", &token), ("group", &mine_text), ("type", "9")],
        )
        .await;
    assert_eq!(cleared.status, 303);
    assert!(
        app.state
            .store
            .get_log(billing_log)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        app.state
            .store
            .get_log(payroll_log)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_hanging_run_rolls_its_log_and_is_killed_from_its_page() {
    let app = console::start_scheduled().await;
    let dir = tempfile::tempdir().expect("executor dir");
    let executor = common::sdk::SdkExecutor::start(&app.url, "hang-executor", dir.path()).await;
    let mut admin = Browser::new(&app);
    admin.login("admin", &app.admin_password).await;
    let token = admin.get("/groups/new").await.csrf();
    let made = admin
        .post(
            "/groups",
            &[
                ("_csrf", &token),
                ("appname", "hang-executor"),
                ("title", "Hanging"),
                ("addressType", "1"),
                ("addressList", &executor.address),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let group = app.state.store.all_groups().await.unwrap()[0]
        .id
        .to_string();
    let mut form = job_form(&token, &group, "Hangs", "0 0 2 * * ?");
    form.retain(|(k, _)| *k != "executorHandler" && *k != "executorFailRetryCount");
    form.push(("executorHandler", "hang"));
    let job = admin.post("/jobs", &form).await;
    assert_eq!(job.status, 303, "{}", job.body);
    let job_id = only_job(&app).await;
    let ran = admin
        .post(&format!("/jobs/{job_id}/trigger"), &[("_csrf", &token)])
        .await;
    assert_eq!(ran.status, 303, "{}", ran.body);
    assert!(ran.location.unwrap().starts_with("/logs?"));
    let filter = jobwheel_admin::store::LogFilter::default();
    let page = jobwheel_admin::store::Page {
        offset: 0,
        limit: 1,
    };
    // The trigger is dispatched in the background: wait (bounded) until the executor took it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let log = loop {
        let logs = app.state.store.list_logs(&filter, page).await.unwrap().0;
        if let Some(log) = logs.into_iter().find(|l| l.trigger_code != 0) {
            break log;
        }
        assert!(std::time::Instant::now() < deadline, "never dispatched");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!((log.trigger_code, log.handle_code), (200, 0), "running");

    // The rolling log's endpoint reads the executor's lines (bounded wait for both lines).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let tail = admin.get(&format!("/logs/{}/tail?from=1", log.id)).await;
        assert_eq!(tail.status, 200, "{}", tail.body);
        let body: serde_json::Value = serde_json::from_str(&tail.body).unwrap();
        let content = body["logContent"].as_str().unwrap_or_default();
        if content.contains("line 2 of a long run") {
            assert_eq!(body["end"], false, "a running fire has not ended");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", tail.body);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let detail = admin.get(&format!("/logs/{}", log.id)).await;
    assert!(
        detail.body.contains("id=\"log-kill\""),
        "a running fire offers Kill"
    );
    let killed = admin
        .post(&format!("/logs/{}/kill", log.id), &[("_csrf", &token)])
        .await;
    assert_eq!(killed.status, 303, "{}", killed.body);
    let after = app.state.store.get_log(log.id).await.unwrap().unwrap();
    assert_eq!(after.handle_code, 500);
    let detail = admin.get(&format!("/logs/{}", log.id)).await;
    assert!(!detail.body.contains("id=\"log-kill\""));
    assert!(detail.body.contains("kill job"), "{}", detail.body);
}

#[tokio::test]
async fn a_glue_jobs_source_is_edited_versioned_and_restored_within_its_group() {
    let app = start().await;
    let group = console::add_group(&app, "script-executor", "Scripts").await;
    let other = console::add_group(&app, "other-executor", "Other").await;
    let group_id = group.to_string();
    let mut admin = Browser::new(&app);
    admin.login("admin", &app.admin_password).await;
    let token = admin.get("/jobs/new").await.csrf();
    let mut form = job_form(&token, &group_id, "Cleanup script", "0 0 3 * * ?");
    for field in form.iter_mut() {
        match field.0 {
            "glueType" => field.1 = "GLUE_SHELL",
            "executorHandler" => field.1 = "",
            _ => {}
        }
    }
    let made = admin.post("/jobs", &form).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let list = admin.get(&format!("/jobs?group={group}")).await;
    let job = only_job(&app).await;
    let glue_path = format!("/jobs/{job}/glue");
    assert!(
        list.body.contains(&format!("href=\"{glue_path}\"")),
        "the job list links a GLUE job to its editor"
    );

    let editor = admin.get(&glue_path).await;
    assert_eq!(editor.status, 200);
    assert!(
        editor.body.contains("data-tab-indent"),
        "tab-indenting editor"
    );
    let first = "#!/bin/sh\necho \"<first>\"";
    let short = admin
        .post(
            &glue_path,
            &[
                ("_csrf", &token),
                ("glueSource", first),
                ("glueRemark", "v1"),
            ],
        )
        .await;
    assert_eq!(short.status, 422, "a remark needs 4 characters");
    assert!(short.body.contains("field-error"), "{}", short.body);
    assert!(
        short
            .body
            .contains("echo &#34;&#60;first&#62;&#34;</textarea>"),
        "the typed source stays, escaped"
    );
    for (source, remark) in [(first, "first version"), ("echo second", "second version")] {
        let saved = admin
            .post(
                &glue_path,
                &[
                    ("_csrf", &token),
                    ("glueSource", source),
                    ("glueRemark", remark),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
    }
    let page = admin.get(&glue_path).await;
    assert!(page.body.contains("first version") && page.body.contains("second version"));
    assert!(
        page.body.contains(">echo second</textarea>"),
        "the editor holds the newest source"
    );
    let versions = app.state.store.glue_versions(job).await.unwrap();
    assert_eq!(versions.len(), 2, "{versions:?}");
    let oldest = versions
        .iter()
        .find(|v| v.glue_remark == "first version")
        .expect("the first version is listed");
    assert!(page.body.contains(&format!("/glue/{}/restore", oldest.id)));

    let restored = admin
        .post(
            &format!("{glue_path}/{}/restore", oldest.id),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(restored.status, 303, "{}", restored.body);
    let stored = app.state.store.get_job(job).await.unwrap().unwrap();
    assert_eq!(stored.glue_source.as_deref(), Some(first));
    assert_eq!(app.state.store.glue_versions(job).await.unwrap().len(), 3);

    add_user(&app, &mut admin, "eve-ops", &[other]).await;
    let mut eve = Browser::new(&app);
    eve.login("eve-ops", "user-secret").await;
    let token = eve.get("/jobs").await.csrf();
    assert_eq!(eve.get(&glue_path).await.status, 403);
    let sneaky = eve
        .post(
            &glue_path,
            &[
                ("_csrf", &token),
                ("glueSource", "rm -rf /"),
                ("glueRemark", "sneaky edit"),
            ],
        )
        .await;
    assert_eq!(sneaky.status, 403);
    let sneaky_restore = eve
        .post(
            &format!("{glue_path}/{}/restore", versions[0].id),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(sneaky_restore.status, 403);
    let stored = app.state.store.get_job(job).await.unwrap().unwrap();
    assert_eq!(stored.glue_source.as_deref(), Some(first), "untouched");
}
