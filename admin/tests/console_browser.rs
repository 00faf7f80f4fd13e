//! The console in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`, never a downloaded build) driven over WebDriver with fantoccini.
//!
//! Without chromedriver on the PATH these tests fail with a message saying how to install
//! it, unless `JOBWHEEL_SKIP_BROWSER_TESTS=1` (CI installs Chromium and never sets it).
//! With `JOBWHEEL_SCREENSHOTS=DIR` the story also saves screenshots of the main pages there
//! (`docs/screenshots/` in the repository).

mod common;
#[path = "common/console.rs"]
mod console;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// A chromedriver on a free loopback port, stopped on drop.
struct Driver {
    url: String,
    _process: tokio::process::Child,
    _profile: tempfile::TempDir,
}

fn chromedriver_path() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromedriver"))
            .find(|candidate| candidate.is_file())
    })
}

/// Starts chromedriver, or `None` when the tests are skipped on purpose.
async fn driver() -> Option<Driver> {
    let Some(binary) = chromedriver_path() else {
        if std::env::var("JOBWHEEL_SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
            eprintln!(
                "chromedriver not found: browser test skipped (JOBWHEEL_SKIP_BROWSER_TESTS=1)"
            );
            return None;
        }
        panic!(
            "chromedriver not found on PATH: install Debian's browser with \
             `apt-get install -y chromium chromium-driver` (as .ci/run does), or set \
             JOBWHEEL_SKIP_BROWSER_TESTS=1 to skip the browser tests locally"
        );
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let process = tokio::process::Command::new(binary)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Some(Driver {
        url: format!("http://127.0.0.1:{port}"),
        _process: process,
        _profile: tempfile::tempdir().expect("profile dir"),
    })
}

/// A headless Chromium session with a fresh profile.
async fn browser(driver: &Driver) -> Client {
    let mut args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-dev-shm-usage".into(),
        "--window-size=1280,860".into(),
        "--lang=en-US".into(),
        format!("--user-data-dir={}", driver._profile.path().display()),
    ];
    if std::env::var("JOBWHEEL_BROWSER_DEBUG").is_ok() {
        args.push("--enable-logging=stderr".into());
    }
    let mut options = serde_json::json!({ "args": args });
    if let Some(binary) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    {
        options["binary"] = binary.into();
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    // Two rustls crypto providers are linked into this test (ring for the admin's SMTP
    // client, aws-lc-rs through fantoccini's hyper-rustls), so rustls cannot pick one by
    // itself: choose the admin's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    ClientBuilder::rustls()
        .expect("rustls")
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("WebDriver session")
}

/// Saves a screenshot when `JOBWHEEL_SCREENSHOTS` names a folder.
async fn screenshot(client: &Client, name: &str) {
    let Ok(dir) = std::env::var("JOBWHEEL_SCREENSHOTS") else {
        return;
    };
    let png = client.screenshot().await.expect("screenshot");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png).expect("write screenshot");
}

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
}

async fn type_into(client: &Client, css: &str, text: &str) {
    wait_for(client, css).await.send_keys(text).await.unwrap();
}

async fn click(client: &Client, css: &str) {
    wait_for(client, css).await.click().await.unwrap();
}

/// Fills and sends the login form, without waiting for where it leads.
async fn submit_login(client: &Client, base: &str, username: &str, password: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    type_into(client, "#username", username).await;
    type_into(client, "#password", password).await;
    click(client, "#login-submit").await;
}

async fn login(client: &Client, base: &str, username: &str, password: &str) {
    submit_login(client, base, username, password).await;
    wait_for(client, "#count-jobs").await;
}

async fn logout(client: &Client) {
    click(client, ".sidebar-foot button").await;
    wait_for(client, "#login-submit").await;
}

#[tokio::test]
async fn an_admin_signs_in_previews_a_schedule_adds_a_user_who_cannot_manage_users() {
    let Some(driver) = driver().await else {
        return;
    };
    let app = console::start().await;
    console::add_group(&app, "billing-executor", "Billing").await;
    let client = browser(&driver).await;
    let base = app.url.as_str();

    // A wrong password is answered on the form itself.
    client.goto(&format!("{base}/login")).await.unwrap();
    wait_for(&client, "#login-submit").await;
    screenshot(&client, "login").await;
    submit_login(&client, base, "admin", "wrong").await;
    let error = wait_for(&client, "#login-error")
        .await
        .text()
        .await
        .unwrap();
    assert!(error.contains("wrong username or password"), "{error}");

    login(&client, base, "admin", &app.admin_password).await;
    assert_eq!(
        wait_for(&client, "#count-jobs").await.text().await.unwrap(),
        "0"
    );
    screenshot(&client, "dashboard").await;

    // The live preview shows the next five fire times as the expression is typed.
    client.goto(&format!("{base}/help")).await.unwrap();
    wait_for(&client, "#preview .preview-time").await;
    let conf = client.find(Locator::Css("#preview-conf")).await.unwrap();
    conf.clear().await.unwrap();
    conf.send_keys("0 30 9 ? * MON-FRI").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let preview = client.find(Locator::Css("#preview")).await.unwrap();
    let times = loop {
        // The box is rewritten as the user types: read it whole, never a stale child.
        let text = preview.text().await.unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.len() == 5 && lines.iter().all(|t| t.contains(" 09:30:00")) {
            break lines;
        }
        assert!(
            Instant::now() < deadline,
            "preview never showed 09:30 fires: {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(times.len(), 5);
    screenshot(&client, "schedule-preview").await;
    conf.clear().await.unwrap();
    conf.send_keys("61 * * * * ?").await.unwrap();
    wait_for(&client, "#preview.invalid").await;

    // A normal user limited to the Billing group.
    client.goto(&format!("{base}/users")).await.unwrap();
    click(&client, "#user-new").await;
    type_into(&client, "#user-username", "bob-ops").await;
    type_into(&client, "#user-password", "bob-secret").await;
    click(&client, "input[name=groups]").await;
    screenshot(&client, "user-form").await;
    click(&client, "#user-save").await;
    wait_for(&client, "#user-new").await;
    let list = client
        .find(Locator::Css(".table"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("bob-ops"), "{list}");
    screenshot(&client, "users").await;
    logout(&client).await;

    login(&client, base, "bob-ops", "bob-secret").await;
    let menu = client
        .find(Locator::Css(".sidebar"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !menu.contains("Users"),
        "no Users menu for a normal user: {menu}"
    );
    client.goto(&format!("{base}/users")).await.unwrap();
    let refused = wait_for(&client, "h1").await.text().await.unwrap();
    assert_eq!(refused, "You are not allowed to do this.");
    client.close().await.unwrap();
}

/// Reloads the page until `css`'s text satisfies `ok` (a server-rendered page showing what
/// the scheduler or an executor did meanwhile), for at most 20 s.
async fn reload_until(client: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if ok(&text) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "`{css}` never became right: {text}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        client.refresh().await.unwrap();
    }
}

#[tokio::test]
async fn an_admin_adds_a_group_and_a_job_runs_it_once_and_reads_its_log() {
    let Some(driver) = driver().await else {
        return;
    };
    let app = console::start_scheduled().await;
    let dir = tempfile::tempdir().expect("executor dir");
    let executor = common::sdk::SdkExecutor::start(&app.url, "story-executor", dir.path()).await;
    let client = browser(&driver).await;
    let base = app.url.as_str();
    login(&client, base, "admin", &app.admin_password).await;

    // A manual group pointing at the running executor, which shows as online.
    client.goto(&format!("{base}/groups")).await.unwrap();
    click(&client, "#group-new").await;
    type_into(&client, "#group-appname", "story-executor").await;
    type_into(&client, "#group-title", "Story").await;
    click(&client, "#group-manual").await;
    type_into(&client, "#group-addresses", &executor.address).await;
    click(&client, "#group-save").await;
    wait_for(&client, "#group-new").await;
    reload_until(&client, "#groups", |t| t.contains("online")).await;
    screenshot(&client, "groups").await;

    // A job, with the cron preview answering as the expression is typed.
    client.goto(&format!("{base}/jobs/new")).await.unwrap();
    type_into(&client, "#job-desc", "Story job").await;
    type_into(&client, "#job-schedule-conf", "0 0 3 * * ?").await;
    let preview = wait_for(&client, "#preview").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = preview.text().await.unwrap_or_default();
        if text.lines().count() == 5 && text.lines().all(|l| l.contains(" 03:00:00")) {
            break;
        }
        assert!(Instant::now() < deadline, "no 03:00 preview: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    type_into(&client, "#job-handler", "ok").await;
    type_into(&client, "#job-param", "from-the-form").await;
    screenshot(&client, "job-form").await;
    click(&client, "#job-save").await;
    let row = wait_for(&client, "tr[data-job]").await;
    let job_id = row.attr("data-job").await.unwrap().expect("job id");
    screenshot(&client, "jobs").await;

    // Run it once with another parameter; its log succeeds.
    click(&client, ".job-trigger").await;
    let param = wait_for(&client, "#trigger-param").await;
    param.clear().await.unwrap();
    param.send_keys("once").await.unwrap();
    click(&client, "#trigger-run").await;
    wait_for(&client, "#logs").await;
    let status = reload_until(&client, ".log-status", |t| {
        t == "Succeeded" || t == "Failed"
    })
    .await;
    if status != "Succeeded" {
        let filter = jobwheel_admin::store::LogFilter::default();
        let page = jobwheel_admin::store::Page {
            offset: 0,
            limit: 5,
        };
        let (logs, _) = app.state.store.list_logs(&filter, page).await.unwrap();
        panic!("the run failed: {logs:?}");
    }
    screenshot(&client, "logs").await;
    click(&client, ".log-open").await;
    let rolled = wait_for(&client, "#rolling-log").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = rolled.text().await.unwrap_or_default();
        let done = rolled.attr("data-done").await.unwrap_or_default();
        if text.contains("ok got once") && done.as_deref() == Some("end") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "rolling log did not end: {text} ({done:?})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let handle = wait_for(&client, "#handle-msg").await.text().await.unwrap();
    assert!(handle.contains("ok:once"), "{handle}");
    screenshot(&client, "log-detail").await;

    // Start, then stop (after confirming) the schedule.
    client.goto(&format!("{base}/jobs")).await.unwrap();
    click(&client, ".job-start").await;
    wait_for(&client, ".job-stop").await.click().await.unwrap();
    client.accept_alert().await.unwrap();
    wait_for(&client, ".job-start").await;
    let job: i32 = job_id.parse().unwrap();
    let stored = app.state.store.get_job(job).await.unwrap().unwrap();
    assert_eq!(stored.trigger_status, 0);
    logout(&client).await;
    let other = console::add_group(&app, "other-executor", "Other").await;
    jobwheel_admin::auth::users::create(
        &*app.state.store,
        &jobwheel_admin::auth::users::UserInput {
            username: "carol-ops".into(),
            password: "carol-secret".into(),
            role: 0,
            groups: vec![other],
        },
    )
    .await
    .expect("carol");

    // A user of another group neither sees the job nor may open it.
    login(&client, base, "carol-ops", "carol-secret").await;
    client.goto(&format!("{base}/jobs")).await.unwrap();
    wait_for(&client, "#job-new").await;
    let page = client.source().await.unwrap();
    assert!(!page.contains("Story job"), "carol sees only her group");
    client
        .goto(&format!("{base}/jobs/{job}/edit"))
        .await
        .unwrap();
    let refused = wait_for(&client, "h1").await.text().await.unwrap();
    assert_eq!(refused, "You are not allowed to do this.");
    client.close().await.unwrap();

    let mut carol = console::Browser::new(&app);
    carol.login("carol-ops", "carol-secret").await;
    assert_eq!(carol.get(&format!("/jobs/{job}/edit")).await.status, 403);
    let token = carol.get("/jobs").await.csrf();
    let trigger = carol
        .post(&format!("/jobs/{job}/trigger"), &[("_csrf", &token)])
        .await;
    assert_eq!(trigger.status, 403);
}

#[tokio::test]
async fn the_glue_editor_indents_with_tab_and_loads_a_saved_version() {
    let Some(driver) = driver().await else {
        return;
    };
    let app = console::start().await;
    let group = console::add_group(&app, "script-executor", "Scripts").await;
    let job = jobwheel_admin::service::jobs::create(
        &app.state,
        jobwheel_admin::service::jobs::JobInput {
            job_group: Some(group),
            job_desc: Some("Script job".into()),
            author: Some("ops".into()),
            schedule_type: Some("NONE".into()),
            glue_type: Some("GLUE_SHELL".into()),
            ..Default::default()
        },
    )
    .await
    .expect("a GLUE job");
    let client = browser(&driver).await;
    let base = app.url.as_str();
    login(&client, base, "admin", &app.admin_password).await;

    client.goto(&format!("{base}/jobs")).await.unwrap();
    click(&client, ".job-glue").await;
    let editor = wait_for(&client, "#glue-source").await;
    let tab = char::from(fantoccini::key::Key::Tab);
    editor
        .send_keys(&format!("if true{tab}then"))
        .await
        .unwrap();
    assert_eq!(
        editor.prop("value").await.unwrap().as_deref(),
        Some("if true\tthen"),
        "Tab is typed into the script, not a move to the next field"
    );
    type_into(&client, "#glue-remark", "tabbed version").await;
    screenshot(&client, "glue").await;
    click(&client, "#glue-save").await;
    wait_for(&client, "#glue-versions .glue-load").await;
    let stored = app.state.store.get_job(job.id).await.unwrap().unwrap();
    assert_eq!(stored.glue_source.as_deref(), Some("if true\tthen"));

    let editor = wait_for(&client, "#glue-source").await;
    editor.clear().await.unwrap();
    editor.send_keys("scratch").await.unwrap();
    click(&client, "#glue-versions .glue-load").await;
    assert_eq!(
        editor.prop("value").await.unwrap().as_deref(),
        Some("if true\tthen"),
        "the saved version is back in the editor"
    );
    client.close().await.unwrap();
}
