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
