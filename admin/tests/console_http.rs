//! The console over plain HTTP, as a browser without JavaScript uses it: login, CSRF,
//! roles, logout revoking the cookie, the schedule preview, languages and static assets.

mod common;
#[path = "common/console.rs"]
mod console;

use console::{Browser, start};

#[tokio::test]
async fn an_admin_signs_in_and_anonymous_browsers_are_sent_to_the_login_page() {
    let app = start().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/dashboard").await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/login"))
    );

    let form = browser.get("/login").await;
    assert_eq!(form.status, 200);
    assert!(
        browser.cookie.is_some(),
        "the login page hands out the session cookie"
    );
    let token = form.csrf();

    let wrong = browser
        .post(
            "/login",
            &[
                ("_csrf", &token),
                ("username", "admin"),
                ("password", "nope"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains("wrong username or password"),
        "{}",
        wrong.body
    );

    browser.login("admin", &app.admin_password).await;
    let dashboard = browser.get("/dashboard").await;
    assert_eq!(dashboard.status, 200);
    assert!(
        dashboard.body.contains("<svg class=\"chart\""),
        "server-drawn chart"
    );
    assert!(
        dashboard.body.contains(">Users<"),
        "admins see the Users menu"
    );
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused() {
    let app = start().await;
    let mut browser = Browser::new(&app);
    browser.login("admin", &app.admin_password).await;
    let users = browser.get("/users").await;
    let token = users.csrf();

    let missing = browser
        .post(
            "/users",
            &[
                ("username", "mallory"),
                ("password", "secret-1"),
                ("role", "1"),
            ],
        )
        .await;
    assert_eq!(missing.status, 403);
    let forged = browser
        .post(
            "/users",
            &[
                ("_csrf", "0000"),
                ("username", "mallory"),
                ("password", "secret-1"),
                ("role", "1"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    // Another browser's valid token does not work with this browser's cookie either.
    let mut other = Browser::new(&app);
    let foreign = other.get("/login").await.csrf();
    let crossed = browser
        .post(
            "/users",
            &[
                ("_csrf", &foreign),
                ("username", "mallory"),
                ("password", "secret-1"),
                ("role", "1"),
            ],
        )
        .await;
    assert_eq!(crossed.status, 403);
    assert!(
        app.state
            .store
            .get_user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );

    let made = browser
        .post(
            "/users",
            &[
                ("_csrf", &token),
                ("username", "mallory"),
                ("password", "secret-1"),
                ("role", "0"),
            ],
        )
        .await;
    assert_eq!(
        (made.status, made.location.as_deref()),
        (303, Some("/users"))
    );
    assert!(
        app.state
            .store
            .get_user_by_username("mallory")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_normal_user_cannot_open_admin_pages_and_form_mistakes_show_by_their_field() {
    let app = start().await;
    let group = console::add_group(&app, "billing-executor", "Billing").await;
    let mut admin = Browser::new(&app);
    admin.login("admin", &app.admin_password).await;
    let form = admin.get("/users/new").await;
    assert!(form.body.contains("Billing"), "groups to grant are listed");
    let token = form.csrf();
    let short = admin
        .post(
            "/users",
            &[
                ("_csrf", &token),
                ("username", "bo"),
                ("password", "pw"),
                ("role", "0"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(
        short
            .body
            .contains("class=\"field-error\">must be 4 to 20 characters"),
        "{}",
        short.body
    );
    let group_id = group.to_string();
    let made = admin
        .post(
            "/users",
            &[
                ("_csrf", &token),
                ("username", "bob-ops"),
                ("password", "bob-secret"),
                ("role", "0"),
                ("groups", &group_id),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let bob_row = app
        .state
        .store
        .get_user_by_username("bob-ops")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bob_row.group_ids(), vec![group]);

    let mut bob = Browser::new(&app);
    bob.login("bob-ops", "bob-secret").await;
    let dashboard = bob.get("/dashboard").await;
    assert_eq!(dashboard.status, 200);
    assert!(
        !dashboard.body.contains(">Users<"),
        "no Users menu for normal users"
    );
    assert_eq!(bob.get("/users").await.status, 403);
    assert_eq!(bob.get("/users/new").await.status, 403);
    let token = dashboard.csrf();
    let escalate = bob
        .post(
            &format!("/users/{}", bob_row.id),
            &[("_csrf", &token), ("role", "1")],
        )
        .await;
    assert_eq!(escalate.status, 403);
    assert!(
        !app.state
            .store
            .get_user(bob_row.id)
            .await
            .unwrap()
            .unwrap()
            .is_admin()
    );
}

#[tokio::test]
async fn logging_out_revokes_the_cookie_even_if_replayed() {
    let app = start().await;
    let mut browser = Browser::new(&app);
    browser.login("admin", &app.admin_password).await;
    let stolen = browser.cookie.clone();
    let token = browser.get("/dashboard").await.csrf();
    let out = browser.post("/logout", &[("_csrf", &token)]).await;
    assert_eq!((out.status, out.location.as_deref()), (303, Some("/login")));

    let mut thief = Browser::new(&app);
    thief.cookie = stolen;
    let page = thief.get("/dashboard").await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/login"))
    );
}

#[tokio::test]
async fn changing_the_password_keeps_this_browser_and_ends_the_others() {
    let app = start().await;
    let mut here = Browser::new(&app);
    let mut there = Browser::new(&app);
    here.login("admin", &app.admin_password).await;
    there.login("admin", &app.admin_password).await;
    let token = here.get("/account").await.csrf();
    let wrong = here
        .post(
            "/account/password",
            &[
                ("_csrf", &token),
                ("old_password", "x"),
                ("password", "brand-new-pw"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("the current password is wrong"));
    let done = here
        .post(
            "/account/password",
            &[
                ("_csrf", &token),
                ("old_password", &app.admin_password),
                ("password", "brand-new-pw"),
            ],
        )
        .await;
    assert_eq!(done.status, 200);
    assert!(done.body.contains("id=\"password-saved\""));
    assert_eq!(here.get("/dashboard").await.status, 200);
    assert_eq!(there.get("/dashboard").await.status, 303);
    let mut again = Browser::new(&app);
    again.login("admin", "brand-new-pw").await;
}

#[tokio::test]
async fn the_schedule_preview_answers_with_five_times_or_says_what_is_wrong() {
    let app = start().await;
    let mut browser = Browser::new(&app);
    assert_eq!(
        browser
            .get("/console/schedule-preview?type=CRON&conf=0+0+2+*+*+%3F")
            .await
            .status,
        303
    );
    browser.login("admin", &app.admin_password).await;
    let ok = browser
        .get("/console/schedule-preview?type=CRON&conf=0+0+2+*+*+%3F&tz=Asia/Shanghai")
        .await;
    let json: serde_json::Value = serde_json::from_str(&ok.body).unwrap();
    assert_eq!(json["tz"], "Asia/Shanghai");
    let times = json["times"].as_array().unwrap();
    assert_eq!(times.len(), 5);
    assert!(
        times
            .iter()
            .all(|t| t.as_str().unwrap().ends_with(" 02:00:00")),
        "{times:?}"
    );

    let bad = browser
        .get("/console/schedule-preview?type=CRON&conf=not+a+cron")
        .await;
    let json: serde_json::Value = serde_json::from_str(&bad.body).unwrap();
    assert!(
        json["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{json}"
    );
    let zone = browser
        .get("/console/schedule-preview?type=CRON&conf=0+0+2+*+*+%3F&tz=Mars/Base")
        .await;
    assert!(zone.body.contains("not an IANA time zone"), "{}", zone.body);
}

#[tokio::test]
async fn the_browsers_language_picks_chinese_and_assets_revalidate() {
    let app = start().await;
    let mut browser = Browser::new(&app);
    browser.language = Some("zh-CN,zh;q=0.9,en;q=0.5".into());
    browser.login("admin", &app.admin_password).await;
    let page = browser.get("/dashboard").await;
    assert!(page.body.contains("运行报表"), "Chinese menu");
    assert!(page.body.contains("lang=\"zh-CN\""));

    let http = reqwest::Client::new();
    let css = http
        .get(format!("{}/static/console.css", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let etag = css.headers()["etag"].clone();
    let again = http
        .get(format!("{}/static/console.css", app.url))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let missing = http
        .get(format!("{}/static/nope.js", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
