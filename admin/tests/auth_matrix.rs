//! Who may call what: every route of the admin (console, REST v1, executor API, metrics and
//! the public probes), called by five personas, each answer checked against one table.
//!
//! The personas, and the credential each presents on each surface:
//!
//! | persona     | console                              | REST v1                  | executor API                         | /metrics            |
//! |-------------|--------------------------------------|--------------------------|--------------------------------------|---------------------|
//! | `anon`      | a fresh session and its CSRF token   | nothing                  | nothing                              | nothing             |
//! | `wrong`     | a cookie sealed with the right key, naming the admin, with a forged signature | `Bearer wrong-token` | `XXL-JOB-ACCESS-TOKEN: wrong-token` | `Bearer wrong-token` |
//! | `other`     | bob, a normal user of group B        | bob's API token          | group B's token (+ `XXL-JOB-APPNAME`) | bob's API token     |
//! | `member`    | alice, a normal user of group A      | alice's API token        | group A's token (+ `XXL-JOB-APPNAME`) | alice's API token   |
//! | `admin`     | root, an administrator               | a configured `api_tokens` entry | the cluster `access_token`    | the `metrics_token` |
//!
//! Every id in a path belongs to group A, except `{*_b}`: group B's (bob's). For the executor API the table holds the envelope's
//! `code` (XXL-JOB answers HTTP 200 and says no in the body). The table cannot rot:
//! [`every_route_of_the_source_is_in_the_matrix`] reads the routers' source and fails on a
//! route (or method) the table lacks, and on a row whose route no longer exists.

mod common;
#[path = "common/console.rs"]
mod console;
#[path = "common/fake_executor.rs"]
mod fake_executor;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::response::IntoResponse;
use axum_extra::extract::cookie::PrivateCookieJar;
use common::app::{API_TOKEN, TestApp};
use console::Browser;
use fake_executor::{Behaviour, FakeExecutor};
use jobwheel_admin::auth::session::{CookieSettings, Session, key_from_secret};
use jobwheel_admin::auth::{api_tokens, users};
use jobwheel_admin::store::{
    AddressType, GroupFields, JobInfo, NewUser, ROLE_ADMIN, ROLE_NORMAL, Store,
};
use jobwheel_admin::time::{now_ms, now_naive};
use serde_json::Value;

const COOKIE_KEY: &str = "auth-matrix-cookie-key-of-32-chars!!";
const ACCESS_TOKEN: &str = "cluster-access-token";
const METRICS_TOKEN: &str = "metrics-scrape-token";
const WRONG: &str = "wrong-token";
const APP_A: &str = "alpha-executor";
const APP_B: &str = "beta-executor";
const TOKEN_A: &str = "group-a-token";
const TOKEN_B: &str = "group-b-token";

/// The personas, in the order of each row's expectations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    Anon,
    Wrong,
    Other,
    Member,
    Admin,
}

const PERSONAS: [Persona; 5] = [
    Persona::Anon,
    Persona::Wrong,
    Persona::Other,
    Persona::Member,
    Persona::Admin,
];

/// Which credentials a row's request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    /// Nothing but the console's session cookie (so a logged-in browser proves nothing).
    Public,
    Console,
    Rest,
    Executor,
    Metrics,
}

/// A request body; `{name}` placeholders in values are filled like the path's.
#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    /// A console form (the persona's CSRF token is added).
    Form(&'static [(&'static str, &'static str)]),
    Json(&'static str),
}

/// One route called one way, and the status each persona must get.
struct Row {
    method: &'static str,
    /// The route as the router declares it, context path and nesting included.
    route: &'static str,
    /// The path called: placeholders `{job}`, `{log}`, … are group A's objects; `{new_*}`
    /// are made afresh for each call (the call may delete or change them).
    path: &'static str,
    surface: Surface,
    body: Body,
    /// anon, wrong, other, member, admin.
    expect: [u16; 5],
}

const fn row(
    method: &'static str,
    route: &'static str,
    path: &'static str,
    surface: Surface,
    body: Body,
    expect: [u16; 5],
) -> Row {
    Row {
        method,
        route,
        path,
        surface,
        body,
        expect,
    }
}

use Body::{Form, Json};
use Surface::{Console, Executor, Metrics, Public, Rest};

/// Console GET pages normal users may open.
const PAGE: [u16; 5] = [303, 303, 200, 200, 200];
/// Console GET of a group A object (bob is refused).
const PAGE_A: [u16; 5] = [303, 303, 403, 200, 200];
/// Console GET of a group B object (alice is refused).
const PAGE_B: [u16; 5] = [303, 303, 200, 403, 200];
/// Console GET for administrators only.
const PAGE_ADMIN: [u16; 5] = [303, 303, 403, 403, 200];
/// REST v1: only configured tokens and admins' tokens; normal users' tokens are refused
/// until REST v1 is scoped to groups.
fn rest(ok: u16) -> [u16; 5] {
    [401, 401, 403, 403, ok]
}

#[rustfmt::skip]
fn matrix() -> Vec<Row> {
    const NONE: Body = Body::None;
    vec![
        // ---- public -------------------------------------------------------------------
        row("GET", "/healthz", "/healthz", Public, NONE, [200; 5]),
        row("GET", "/readyz", "/readyz", Public, NONE, [200; 5]),
        row("GET", "/login", "/login", Public, NONE, [200; 5]),
        row("GET", "/static/{*path}", "/static/console.css", Public, NONE, [200; 5]),
        // A wrong password is a 422 for everyone (5 tries: under the rate limit).
        row("POST", "/login", "/login", Console, Form(&[("username", "nobody"), ("password", "wrong")]), [422; 5]),
        // ---- console ------------------------------------------------------------------
        row("GET", "/", "/", Console, NONE, [303, 303, 303, 303, 303]),
        row("GET", "/dashboard", "/dashboard", Console, NONE, PAGE),
        row("GET", "/account", "/account", Console, NONE, PAGE),
        row("POST", "/account/password", "/account/password", Console, Form(&[("old_password", "not-it"), ("password", "new-password-1")]), [401, 401, 422, 422, 422]),
        row("GET", "/account/tokens", "/account/tokens", Console, NONE, PAGE),
        row("POST", "/account/tokens", "/account/tokens", Console, Form(&[("name", "matrix")]), [401, 401, 200, 200, 200]),
        // Alice's token: bob cannot even see it exists.
        row("POST", "/account/tokens/{id}/revoke", "/account/tokens/{new_token}/revoke", Console, Form(&[]), [401, 401, 404, 303, 303]),
        row("GET", "/users", "/users", Console, NONE, PAGE_ADMIN),
        row("POST", "/users", "/users", Console, Form(&[("username", "x"), ("password", "x"), ("role", "0")]), [401, 401, 403, 403, 422]),
        row("GET", "/users/new", "/users/new", Console, NONE, PAGE_ADMIN),
        row("POST", "/users/{id}", "/users/{new_user}", Console, Form(&[("role", "0"), ("groups", "{group}")]), [401, 401, 403, 403, 303]),
        row("GET", "/users/{id}/edit", "/users/{user}/edit", Console, NONE, PAGE_ADMIN),
        row("POST", "/users/{id}/delete", "/users/{new_user}/delete", Console, Form(&[]), [401, 401, 403, 403, 303]),
        row("GET", "/jobs", "/jobs", Console, NONE, PAGE),
        row("GET", "/jobs", "/jobs?group={group}", Console, NONE, PAGE_A),
        // A job of group A that fails validation: bob is refused before validation.
        row("POST", "/jobs", "/jobs", Console, Form(&[("jobGroup", "{group}"), ("jobDesc", "")]), [401, 401, 403, 422, 422]),
        row("GET", "/jobs/new", "/jobs/new", Console, NONE, PAGE),
        row("GET", "/jobs/new", "/jobs/new?copy={job}", Console, NONE, PAGE_A),
        row("POST", "/jobs/{id}", "/jobs/{job}", Console, Form(&[("jobGroup", "{group}"), ("jobDesc", "")]), [401, 401, 403, 422, 422]),
        // Moving group A's job to group B: alice may not place it there.
        row("POST", "/jobs/{id}", "/jobs/{job}", Console, Form(&[("jobGroup", "{group_b}"), ("jobDesc", "")]), [401, 401, 403, 403, 422]),
        row("GET", "/jobs/{id}/edit", "/jobs/{job}/edit", Console, NONE, PAGE_A),
        row("POST", "/jobs/{id}/delete", "/jobs/{new_job}/delete", Console, Form(&[]), [401, 401, 403, 303, 303]),
        row("POST", "/jobs/{id}/start", "/jobs/{new_job}/start", Console, Form(&[]), [401, 401, 403, 303, 303]),
        row("POST", "/jobs/{id}/stop", "/jobs/{job}/stop", Console, Form(&[]), [401, 401, 403, 303, 303]),
        row("GET", "/jobs/{id}/glue", "/jobs/{job}/glue", Console, NONE, PAGE_A),
        // A remark too short: members get the form back with the mistake.
        row("POST", "/jobs/{id}/glue", "/jobs/{job}/glue", Console, Form(&[("glueSource", "echo hi"), ("glueRemark", "x")]), [401, 401, 403, 422, 422]),
        row("POST", "/jobs/{id}/glue/{version}/restore", "/jobs/{job}/glue/{version}/restore", Console, Form(&[]), [401, 401, 403, 303, 303]),
        // Group B's source restored into group A's job: no such version of that job.
        row("POST", "/jobs/{id}/glue/{version}/restore", "/jobs/{job}/glue/{version_b}/restore", Console, Form(&[]), [401, 401, 403, 404, 404]),
        row("GET", "/jobs/{id}/trigger", "/jobs/{job}/trigger", Console, NONE, PAGE_A),
        row("POST", "/jobs/{id}/trigger", "/jobs/{job}/trigger", Console, Form(&[("executorParam", "matrix")]), [401, 401, 403, 303, 303]),
        row("GET", "/groups", "/groups", Console, NONE, PAGE_ADMIN),
        row("POST", "/groups", "/groups", Console, Form(&[("appname", "x"), ("title", "")]), [401, 401, 403, 403, 422]),
        row("GET", "/groups/new", "/groups/new", Console, NONE, PAGE_ADMIN),
        row("POST", "/groups/{id}", "/groups/{group}", Console, Form(&[("appname", "x"), ("title", "")]), [401, 401, 403, 403, 422]),
        row("GET", "/groups/{id}/edit", "/groups/{group}/edit", Console, NONE, PAGE_ADMIN),
        row("POST", "/groups/{id}/delete", "/groups/{new_group}/delete", Console, Form(&[]), [401, 401, 403, 403, 303]),
        row("GET", "/logs", "/logs", Console, NONE, PAGE),
        row("GET", "/logs", "/logs?group={group}", Console, NONE, PAGE_A),
        row("GET", "/logs", "/logs?job={job}", Console, NONE, PAGE_A),
        // Type 1 keeps the last month: nothing here is that old.
        row("POST", "/logs/clear", "/logs/clear", Console, Form(&[("group", "{group}"), ("type", "1")]), [401, 401, 403, 303, 303]),
        row("POST", "/logs/clear", "/logs/clear", Console, Form(&[("type", "1")]), [401, 401, 403, 403, 303]),
        row("GET", "/logs/{id}", "/logs/{log}", Console, NONE, PAGE_A),
        // Group B's objects: bob's, and not alice's.
        row("GET", "/jobs/{id}/edit", "/jobs/{job_b}/edit", Console, NONE, PAGE_B),
        row("GET", "/jobs/new", "/jobs/new?copy={job_b}", Console, NONE, PAGE_B),
        row("GET", "/logs/{id}", "/logs/{log_b}", Console, NONE, PAGE_B),
        row("GET", "/logs", "/logs?job={job_b}", Console, NONE, PAGE_B),
        row("POST", "/logs/clear", "/logs/clear", Console, Form(&[("group", "{group}"), ("job", "{job_b}"), ("type", "1")]), [401, 401, 303, 403, 303]),
        row("GET", "/logs/{id}/tail", "/logs/{log}/tail?from=1", Console, NONE, PAGE_A),
        // The run has finished: there is nothing to kill.
        row("POST", "/logs/{id}/kill", "/logs/{log}/kill", Console, Form(&[]), [401, 401, 403, 409, 409]),
        row("GET", "/help", "/help", Console, NONE, PAGE),
        row("GET", "/console/schedule-preview", "/console/schedule-preview?type=CRON&conf=0+0+2+*+*+%3F", Console, NONE, PAGE),
        // Last: ends every session of the user (the runner logs the persona in again).
        row("POST", "/logout", "/logout", Console, Form(&[]), [401, 401, 303, 303, 303]),
        // ---- REST v1 ------------------------------------------------------------------
        row("GET", "/api/v1/groups", "/api/v1/groups", Rest, NONE, rest(200)),
        row("POST", "/api/v1/groups", "/api/v1/groups", Rest, Json("{}"), rest(400)),
        row("GET", "/api/v1/groups/{id}", "/api/v1/groups/{group}", Rest, NONE, rest(200)),
        row("PUT", "/api/v1/groups/{id}", "/api/v1/groups/{group}", Rest, Json("{}"), rest(200)),
        row("DELETE", "/api/v1/groups/{id}", "/api/v1/groups/{new_group}", Rest, NONE, rest(204)),
        row("GET", "/api/v1/jobs", "/api/v1/jobs", Rest, NONE, rest(200)),
        row("POST", "/api/v1/jobs", "/api/v1/jobs", Rest, Json("{}"), rest(400)),
        row("GET", "/api/v1/jobs/{id}", "/api/v1/jobs/{job}", Rest, NONE, rest(200)),
        row("PUT", "/api/v1/jobs/{id}", "/api/v1/jobs/{job}", Rest, Json("{}"), rest(200)),
        row("DELETE", "/api/v1/jobs/{id}", "/api/v1/jobs/{new_job}", Rest, NONE, rest(204)),
        row("POST", "/api/v1/jobs/{id}/start", "/api/v1/jobs/{new_job}/start", Rest, NONE, rest(200)),
        row("POST", "/api/v1/jobs/{id}/stop", "/api/v1/jobs/{job}/stop", Rest, NONE, rest(200)),
        row("POST", "/api/v1/jobs/{id}/trigger", "/api/v1/jobs/{job}/trigger", Rest, NONE, rest(202)),
        row("GET", "/api/v1/jobs/{id}/glue", "/api/v1/jobs/{job}/glue", Rest, NONE, rest(200)),
        row("PUT", "/api/v1/jobs/{id}/glue", "/api/v1/jobs/{job}/glue", Rest, Json(r#"{"glueSource":"echo hi","glueRemark":"x"}"#), rest(400)),
        row("GET", "/api/v1/jobs/{id}/glue/versions", "/api/v1/jobs/{job}/glue/versions", Rest, NONE, rest(200)),
        row("POST", "/api/v1/jobs/{id}/glue/restore", "/api/v1/jobs/{job}/glue/restore", Rest, Json(r#"{"versionId":{version}}"#), rest(200)),
        row("POST", "/api/v1/jobs/{id}/glue/restore", "/api/v1/jobs/{job}/glue/restore", Rest, Json(r#"{"versionId":{version_b}}"#), rest(404)),
        row("GET", "/api/v1/logs", "/api/v1/logs", Rest, NONE, rest(200)),
        row("GET", "/api/v1/logs/{id}", "/api/v1/logs/{log}", Rest, NONE, rest(200)),
        row("GET", "/api/v1/logs/{id}/tail", "/api/v1/logs/{log}/tail?fromLineNum=1", Rest, NONE, rest(200)),
        row("POST", "/api/v1/logs/{id}/kill", "/api/v1/logs/{log}/kill", Rest, NONE, rest(409)),
        row("POST", "/api/v1/logs/clear", "/api/v1/logs/clear", Rest, Json(r#"{"jobGroup":{group},"jobId":0,"type":1}"#), rest(200)),
        row("GET", "/api/v1/schedules/next", "/api/v1/schedules/next?type=CRON&conf=0%200%202%20*%20*%20%3F", Rest, NONE, rest(200)),
        row("GET", "/api/v1/report", "/api/v1/report", Rest, NONE, rest(200)),
        // ---- executor API (the envelope's code) ---------------------------------------
        // Bob's group token names his own app in XXL-JOB-APPNAME, not group A's key.
        row("POST", "/api/{uri}", "/api/registry", Executor, Json(r#"{"registryGroup":"EXECUTOR","registryKey":"alpha-executor","registryValue":"http://127.0.0.1:1/"}"#), [500, 500, 500, 200, 200]),
        row("POST", "/api/{uri}", "/api/registryRemove", Executor, Json(r#"{"registryGroup":"EXECUTOR","registryKey":"alpha-executor","registryValue":"http://127.0.0.1:1/"}"#), [500, 500, 500, 200, 200]),
        // Bob's token is good for his own group's results: the call succeeds, and group A's
        // run stays unfinished (checked by the runner; see also executor_api.rs).
        row("POST", "/api/{uri}", "/api/callback", Executor, Json(r#"[{"logId":{new_running_log},"logDateTim":1,"handleCode":200,"handleMsg":"ok"}]"#), [500, 500, 200, 200, 200]),
        // ---- metrics ------------------------------------------------------------------
        row("GET", "/metrics", "/metrics", Metrics, NONE, [401, 401, 401, 401, 200]),
    ]
}

/// Group A's objects, and the personas' credentials.
struct World {
    app: TestApp,
    _executor: FakeExecutor,
    group_a: i32,
    group_b: i32,
    job: i32,
    log: i64,
    version: i32,
    job_b: i32,
    log_b: i64,
    version_b: i32,
    alice_id: i32,
    http: reqwest::Client,
    browsers: Vec<Browser>,
    csrf: Vec<String>,
    api_tokens: Vec<Option<String>>,
    /// Which CSRF token console forms carry.
    csrf_mode: CsrfMode,
}

/// The CSRF token a console form carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsrfMode {
    /// The persona's own session's.
    Own,
    /// None at all.
    Missing,
    /// Another browser's (the anonymous persona's): valid, but not for this session.
    Foreign,
}

const PASSWORDS: [(&str, &str); 3] = [
    ("bob-other", "bob-password-1"),
    ("alice-member", "alice-password-1"),
    ("root-admin", "root-password-1"),
];

fn credentials(persona: Persona) -> Option<(&'static str, &'static str)> {
    match persona {
        Persona::Other => Some(PASSWORDS[0]),
        Persona::Member => Some(PASSWORDS[1]),
        Persona::Admin => Some(PASSWORDS[2]),
        Persona::Anon | Persona::Wrong => None,
    }
}

fn index(persona: Persona) -> usize {
    PERSONAS.iter().position(|p| *p == persona).unwrap()
}

async fn add_group(store: &dyn Store, app_name: &str, token: Option<&str>) -> i32 {
    let fields = GroupFields {
        app_name: app_name.into(),
        title: app_name.split('-').next().unwrap().into(),
        address_type: AddressType::Manual,
        address_list: Some("http://127.0.0.1:1/".into()),
        access_token: token.map(str::to_string),
        ..GroupFields::default()
    };
    store
        .insert_group(&fields, common::naive("2024-01-02 03:04:05"))
        .await
        .unwrap()
}

/// A stopped GLUE job of `group` that would fire once a year.
async fn add_job(store: &dyn Store, group: i32, desc: &str) -> i32 {
    let job = JobInfo {
        schedule_conf: Some("0 0 3 1 1 ?".into()),
        glue_type: "GLUE_SHELL".into(),
        glue_source: Some("echo v1".into()),
        trigger_status: 0,
        trigger_next_time: 0,
        ..common::job(group, desc, 0)
    };
    store.insert_job(&job).await.unwrap()
}

/// A run of `job` the executor at `address` accepted; finished unless `running`.
async fn add_log(app: &TestApp, group: i32, job: i32, address: &str, running: bool) -> i64 {
    let (store, tz) = (&*app.state.store, app.state.tz);
    let id = common::accepted_run(store, tz, group, job, address).await;
    if !running {
        store
            .complete_log(id, 200, "done", now_naive(tz))
            .await
            .unwrap();
    }
    id
}

/// A GLUE job of `group` with two versions of its source, and a finished run of it on the
/// executor at `address`: (job, older version, run).
async fn add_objects(app: &TestApp, group: i32, address: &str) -> (i32, i32, i64) {
    let store = &*app.state.store;
    let job = add_job(store, group, "a job").await;
    let now = now_naive(app.state.tz);
    store
        .save_glue(job, Some("echo v2"), "second", now, 30)
        .await
        .unwrap();
    let version = store.glue_versions(job).await.unwrap()[0].id;
    (job, version, add_log(app, group, job, address, false).await)
}

async fn add_user(store: &dyn Store, name: &str, password: &str, role: i8, groups: &[i32]) -> i32 {
    users::create(
        store,
        &users::UserInput {
            username: name.into(),
            password: password.into(),
            role,
            groups: groups.to_vec(),
        },
    )
    .await
    .unwrap()
}

/// A session cookie any admin with the key would accept, naming `user_id` with a signature
/// the database never issued.
fn forged_cookie(user_id: i32) -> (String, String) {
    let settings = CookieSettings {
        key: key_from_secret(COOKIE_KEY),
        secure: false,
        path: "/".into(),
    };
    let session = Session::logged_in(user_id, "forged-signature", now_ms());
    let jar = PrivateCookieJar::new(settings.key.clone()).add(settings.cookie(&session));
    let response = (jar, ()).into_response();
    let pair = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (pair, session.nonce)
}

impl World {
    async fn start(store: Arc<dyn Store>) -> Self {
        let executor = FakeExecutor::start(Behaviour::Legacy).await;
        let group_a = add_group(&*store, APP_A, Some(TOKEN_A)).await;
        let group_b = add_group(&*store, APP_B, Some(TOKEN_B)).await;
        let bob = add_user(
            &*store,
            PASSWORDS[0].0,
            PASSWORDS[0].1,
            ROLE_NORMAL,
            &[group_b],
        )
        .await;
        let alice_id = add_user(
            &*store,
            PASSWORDS[1].0,
            PASSWORDS[1].1,
            ROLE_NORMAL,
            &[group_a],
        )
        .await;
        let root = add_user(&*store, PASSWORDS[2].0, PASSWORDS[2].1, ROLE_ADMIN, &[]).await;
        let app = TestApp::start(store.clone(), |c| {
            c.cookie_key = Some(COOKIE_KEY.into());
            c.access_token = Some(ACCESS_TOKEN.into());
            c.metrics_token = Some(METRICS_TOKEN.into());
        })
        .await;
        let (job, version, log) = add_objects(&app, group_a, &executor.address).await;
        let (job_b, version_b, log_b) = add_objects(&app, group_b, &executor.address).await;

        let now = now_naive(app.state.tz);
        let mut api_tokens = vec![None, Some(WRONG.to_string())];
        for id in [bob, alice_id] {
            let user = store.get_user(id).await.unwrap().unwrap();
            let (_, token) = api_tokens::create(&*store, &user, id, "matrix", now)
                .await
                .unwrap();
            api_tokens.push(Some(token));
        }
        api_tokens.push(Some(API_TOKEN.to_string()));

        let mut world = Self {
            _executor: executor,
            group_a,
            group_b,
            job,
            log,
            version,
            job_b,
            log_b,
            version_b,
            alice_id,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            browsers: Vec::new(),
            csrf: Vec::new(),
            api_tokens,
            csrf_mode: CsrfMode::Own,
            app,
        };
        for persona in PERSONAS {
            let mut browser = Browser::at(&world.app.base);
            let csrf = match persona {
                Persona::Anon => browser.get("/login").await.csrf(),
                Persona::Wrong => {
                    let (cookie, nonce) = forged_cookie(root);
                    browser.cookie = Some(cookie);
                    nonce
                }
                _ => String::new(),
            };
            world.browsers.push(browser);
            world.csrf.push(csrf);
            world.log_in(persona).await;
        }
        world
    }

    /// Logs a user persona in (again) and keeps its new CSRF token.
    async fn log_in(&mut self, persona: Persona) {
        let Some((name, password)) = credentials(persona) else {
            return;
        };
        let i = index(persona);
        self.browsers[i].login(name, password).await;
        self.csrf[i] = self.browsers[i].get("/account").await.csrf();
    }

    /// `template` with group A's ids, and fresh objects for `{new_*}`.
    async fn fill(&self, template: &str) -> String {
        let store = &*self.app.state.store;
        let mut text = template
            .replace("{group}", &self.group_a.to_string())
            .replace("{job}", &self.job.to_string())
            .replace("{log}", &self.log.to_string())
            .replace("{version}", &self.version.to_string())
            .replace("{user}", &self.alice_id.to_string())
            .replace("{group_b}", &self.group_b.to_string())
            .replace("{job_b}", &self.job_b.to_string())
            .replace("{log_b}", &self.log_b.to_string())
            .replace("{version_b}", &self.version_b.to_string());
        if text.contains("{new_job}") {
            let id = add_job(store, self.group_a, "a job to delete").await;
            text = text.replace("{new_job}", &id.to_string());
        }
        if text.contains("{new_group}") {
            let name = format!("spare-{}", rand_suffix());
            let id = add_group(store, &name, None).await;
            text = text.replace("{new_group}", &id.to_string());
        }
        if text.contains("{new_user}") {
            // Straight to the store: it never logs in, so it needs no (slow) password hash.
            let spare = NewUser {
                username: format!("spare{}", rand_suffix()),
                password: String::new(),
                role: ROLE_NORMAL,
                permission: Some(self.group_b.to_string()),
            };
            let id = store.insert_user(&spare).await.unwrap();
            text = text.replace("{new_user}", &id.to_string());
        }
        if text.contains("{new_token}") {
            let alice = store.get_user(self.alice_id).await.unwrap().unwrap();
            let now = now_naive(self.app.state.tz);
            let (id, _) = api_tokens::create(store, &alice, alice.id, "spare", now)
                .await
                .unwrap();
            text = text.replace("{new_token}", &id.to_string());
        }
        if text.contains("{new_running_log}") {
            let id = add_log(
                &self.app,
                self.group_a,
                self.job,
                "http://127.0.0.1:1/",
                true,
            )
            .await;
            text = text.replace("{new_running_log}", &id.to_string());
        }
        text
    }

    /// Calls `row` as `persona`; the status (or the executor envelope's code).
    async fn call(&mut self, row: &Row, persona: Persona) -> (u16, String) {
        let i = index(persona);
        let path = self.fill(row.path).await;
        let body = match row.body {
            Body::None => None,
            Body::Json(json) => Some(self.fill(json).await),
            Body::Form(pairs) => {
                let mut form = form_urlencoded::Serializer::new(String::new());
                for (k, v) in pairs {
                    form.append_pair(k, &self.fill(v).await);
                }
                match self.csrf_mode {
                    CsrfMode::Own => form.append_pair("_csrf", &self.csrf[i]),
                    CsrfMode::Missing => &mut form,
                    CsrfMode::Foreign => form.append_pair("_csrf", &self.csrf[0]),
                };
                Some(form.finish())
            }
        };
        let method: reqwest::Method = row.method.parse().unwrap();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.app.base));
        match row.surface {
            Surface::Public | Surface::Console => {
                if let Some(cookie) = &self.browsers[i].cookie {
                    request = request.header("cookie", cookie);
                }
                if matches!(row.body, Body::Form(_)) {
                    request = request.header("content-type", "application/x-www-form-urlencoded");
                }
            }
            Surface::Rest => {
                if let Some(token) = &self.api_tokens[i] {
                    request = request.bearer_auth(token);
                }
            }
            Surface::Metrics => {
                let token = match persona {
                    Persona::Admin => Some(METRICS_TOKEN.to_string()),
                    _ => self.api_tokens[i].clone(),
                };
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                // A console session is no credential here.
                if let Some(cookie) = &self.browsers[i].cookie {
                    request = request.header("cookie", cookie);
                }
            }
            Surface::Executor => {
                request = request.header("content-type", "application/json");
                request = match persona {
                    Persona::Anon => request,
                    Persona::Wrong => request.header("XXL-JOB-ACCESS-TOKEN", WRONG),
                    Persona::Other => request
                        .header("XXL-JOB-ACCESS-TOKEN", TOKEN_B)
                        .header("XXL-JOB-APPNAME", APP_B),
                    Persona::Member => request
                        .header("XXL-JOB-ACCESS-TOKEN", TOKEN_A)
                        .header("XXL-JOB-APPNAME", APP_A),
                    Persona::Admin => request.header("XXL-JOB-ACCESS-TOKEN", ACCESS_TOKEN),
                };
            }
        }
        if let Some(body) = &body {
            request = request.body(body.clone());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if row.surface == Surface::Console {
            assert_protected(response.headers(), &format!("{} {path}", row.method));
        }
        let text = response.text().await.unwrap_or_default();
        if row.surface == Surface::Executor {
            assert_eq!(status, 200, "{} {path}: {text}", row.method);
            let envelope: Value = serde_json::from_str(&text).unwrap();
            let code = envelope["code"].as_u64().unwrap() as u16;
            if let Body::Json(template) = row.body
                && template.contains("{new_running_log}")
            {
                let sent: Value = serde_json::from_str(body.as_deref().unwrap()).unwrap();
                self.check_callback(sent[0]["logId"].as_i64().unwrap(), persona)
                    .await;
            }
            return (code, text);
        }
        let refused = matches!(persona, Persona::Anon | Persona::Wrong);
        if row.surface == Surface::Console && status == 303 && refused {
            assert_eq!(location, "/login", "{} {path} as {persona:?}", row.method);
        }
        (status, format!("{location} {}", snippet(&text)))
    }

    /// After a callback: group A's run is finished exactly when the caller may speak for
    /// group A.
    async fn check_callback(&self, log_id: i64, persona: Persona) {
        let log = self.app.state.store.get_log(log_id).await.unwrap().unwrap();
        let may = matches!(persona, Persona::Member | Persona::Admin);
        assert_eq!(
            log.handle_code == 200,
            may,
            "a callback by {persona:?} for group A's run {log_id}"
        );
    }
}

/// Every console response, refusals included, forbids framing, sniffing, foreign scripts
/// and leaking its address (`web::headers`).
fn assert_protected(headers: &reqwest::header::HeaderMap, what: &str) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "same-origin", "{what}");
    let policy = header("content-security-policy");
    for directive in [
        "frame-ancestors 'none'",
        "script-src 'self'",
        "object-src 'none'",
    ] {
        assert!(policy.contains(directive), "{what}: {policy:?}");
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{}", N.fetch_add(1, Ordering::Relaxed))
}

fn snippet(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(160).collect()
}

/// Walks the whole matrix on one store; returns the rows, cells and CSRF refusals checked.
async fn walk(store: Arc<dyn Store>) -> (usize, usize, usize) {
    let mut world = World::start(store).await;
    let rows = matrix();
    let mut wrong = Vec::new();
    let mut cells = 0;
    for row in &rows {
        for persona in PERSONAS {
            let (got, detail) = world.call(row, persona).await;
            let want = row.expect[index(persona)];
            cells += 1;
            if got != want {
                wrong.push(format!(
                    "{:<6} {:<45} {:<7?} want {want} got {got}: {detail}",
                    row.method, row.path, persona
                ));
            }
            if row.path == "/logout" {
                world.log_in(persona).await;
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Every console form, even the admin's, is refused without its session's CSRF token
    // (the matrix above showed each is accepted with it).
    let mut csrf_checks = 0;
    for row in rows
        .iter()
        .filter(|r| r.surface == Surface::Console && r.method != "GET")
    {
        for mode in [CsrfMode::Missing, CsrfMode::Foreign] {
            world.csrf_mode = mode;
            let (got, detail) = world.call(row, Persona::Admin).await;
            assert_eq!(
                got, 403,
                "{} {} with {mode:?} CSRF token: {detail}",
                row.method, row.path
            );
            csrf_checks += 1;
        }
    }
    world.csrf_mode = CsrfMode::Own;
    (rows.len(), cells, csrf_checks)
}

/// Walks the matrix on `store` and says what it checked.
async fn walk_and_report(name: &str, store: Arc<dyn Store>) {
    let started = std::time::Instant::now();
    let (rows, cells, csrf) = walk(store).await;
    eprintln!(
        "auth matrix on {name}: {rows} rows x {} personas = {cells} calls, \
         {csrf} console forms refused without their CSRF token, in {:?}",
        PERSONAS.len(),
        started.elapsed()
    );
}

#[tokio::test]
async fn every_route_answers_each_persona_as_the_matrix_says_on_sqlite() {
    let store = common::sqlite_store().await;
    walk_and_report("sqlite", store.store.clone()).await;
}

/// Skipped unless `JOBWHEEL_TEST_MYSQL_URL` names a server.
#[tokio::test]
async fn every_route_answers_each_persona_as_the_matrix_says_on_mariadb() {
    if let Some(store) = common::mysql_store().await {
        walk_and_report("mariadb", store.store.clone()).await;
    }
}

// ---- the table cannot rot ---------------------------------------------------------------

/// `(METHOD, route)` of every `.route("…", …)` in the admin's source, with the prefix its
/// router is nested under. `ANY` stands for `any(…)`.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let api_mod = std::fs::read_to_string(src.join("api/mod.rs")).unwrap();
    // REST v1 is the modules api/mod.rs merges into `v1` (nested under /api/v1).
    let v1_modules: Vec<String> = api_mod
        .split(".merge(")
        .skip(1)
        .filter_map(|rest| rest.split("::routes()").next())
        .map(|m| format!("api/{m}.rs"))
        .collect();
    assert!(api_mod.contains(".nest(\"/api/v1\", v1)"), "v1 moved");
    let mut found = BTreeSet::new();
    let mut files = Vec::new();
    collect_rs(&src, &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let routes = route_calls(&text);
        if routes.is_empty() {
            continue;
        }
        let prefix = if v1_modules.contains(&relative) {
            "/api/v1"
        } else if ["web/mod.rs", "server.rs", "api/mod.rs"].contains(&relative.as_str()) {
            ""
        } else {
            panic!("{relative} declares routes; tell routes_in_source where it is nested");
        };
        for (path, methods) in routes {
            assert!(!methods.is_empty(), "{relative}: no method for {path}");
            for method in methods {
                found.insert((method, format!("{prefix}{path}")));
            }
        }
    }
    found
}

fn collect_rs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each `.route("path", method_router)` call: its path and methods.
fn route_calls(text: &str) -> Vec<(String, Vec<String>)> {
    let mut calls = Vec::new();
    for (start, _) in text.match_indices(".route(") {
        let open = start + ".route".len();
        let args = balanced(&text[open..]);
        let trimmed = args.trim_start();
        let Some(rest) = trimmed.strip_prefix('"') else {
            continue; // `.route(strategy, …)` of the dispatcher is no HTTP route
        };
        let path = rest.split('"').next().unwrap().to_string();
        let mut methods = Vec::new();
        for method in ["get", "post", "put", "delete", "patch", "any"] {
            let needle = format!("{method}(");
            for (at, _) in args.match_indices(&needle) {
                let before = args[..at].chars().last().unwrap_or(' ');
                if !(before.is_alphanumeric() || before == '_' || before == ':') {
                    methods.push(method.to_uppercase());
                }
            }
        }
        calls.push((path, methods));
    }
    calls
}

/// The text inside the parentheses `text` starts with.
fn balanced(text: &str) -> &str {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[1..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced route call")
}

#[test]
fn every_route_of_the_source_is_in_the_matrix() {
    let source = routes_in_source();
    assert!(source.len() > 50, "found only {source:?}");
    let rows = matrix();
    eprintln!(
        "{} (method, route) pairs in the routers' source, {} matrix rows",
        source.len(),
        rows.len()
    );
    let covered = |method: &str, route: &str| {
        rows.iter()
            .any(|r| r.route == route && (method == "ANY" || r.method == method))
    };
    let missing: Vec<_> = source
        .iter()
        .filter(|(method, route)| !covered(method, route))
        .collect();
    assert!(
        missing.is_empty(),
        "routes with no row in the auth matrix: {missing:?}"
    );
    let stale: Vec<_> = rows
        .iter()
        .filter(|r| {
            !source.contains(&(r.method.to_string(), r.route.to_string()))
                && !source.contains(&("ANY".to_string(), r.route.to_string()))
        })
        .map(|r| (r.method, r.route))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );
}

// ---- the session cookie and the login limit ----------------------------------------------

/// The attributes of the `jobwheel_session` cookie a response sets, lower-cased.
fn session_cookie_attributes(response: &reqwest::Response) -> Vec<String> {
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("jobwheel_session="))
        .expect("a session cookie");
    cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_and_secure_only_when_configured() {
    for secure in [false, true] {
        let store = common::sqlite_store().await;
        add_user(
            &*store.store,
            "root-admin",
            "root-password-1",
            ROLE_ADMIN,
            &[],
        )
        .await;
        let app = TestApp::start(store.store.clone(), |c| c.cookie_secure = secure).await;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let form = http
            .get(format!("{}/login", app.base))
            .send()
            .await
            .unwrap();
        let anonymous = session_cookie_attributes(&form);
        let pair = form.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let page = form.text().await.unwrap();
        let csrf = page
            .split("name=\"csrf-token\" content=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        let login = http
            .post(format!("{}/login", app.base))
            .header("cookie", pair)
            .form(&[
                ("_csrf", csrf.as_str()),
                ("username", "root-admin"),
                ("password", "root-password-1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303);
        let logged_in = session_cookie_attributes(&login);
        for attributes in [&anonymous, &logged_in] {
            assert!(attributes.contains(&"httponly".into()), "{attributes:?}");
            assert!(
                attributes.contains(&"samesite=lax".into()),
                "{attributes:?}"
            );
            assert_eq!(
                attributes.contains(&"secure".into()),
                secure,
                "cookie_secure = {secure}: {attributes:?}"
            );
            assert!(attributes.contains(&"path=/".into()), "{attributes:?}");
        }
        assert!(
            logged_in.contains(&"max-age=604800".into()),
            "{logged_in:?}"
        );
    }
}

/// `console_users.rs` (`wrong_passwords_and_unknown_users_look_alike_and_the_sixth_try_is_refused`)
/// proves the limiter's rule on `users::login`; this proves the login page applies it.
#[tokio::test]
async fn the_login_page_refuses_the_sixth_try_even_with_the_right_password() {
    let store = common::sqlite_store().await;
    add_user(
        &*store.store,
        "root-admin",
        "root-password-1",
        ROLE_ADMIN,
        &[],
    )
    .await;
    add_user(
        &*store.store,
        "alice-member",
        "alice-password-1",
        ROLE_NORMAL,
        &[],
    )
    .await;
    let app = TestApp::start(store.store.clone(), |_| {}).await;
    let mut guesser = Browser::at(&app.base);
    let csrf = guesser.get("/login").await.csrf();
    let attempt = |password| {
        [
            ("_csrf", csrf.as_str()),
            ("username", "root-admin"),
            ("password", password),
        ]
    };
    for _ in 0..5 {
        let page = guesser.post("/login", &attempt("guess")).await;
        assert_eq!(page.status, 422);
        assert!(page.body.contains("wrong username or password"));
    }
    let sixth = guesser.post("/login", &attempt("root-password-1")).await;
    assert_eq!(sixth.status, 422, "{}", sixth.body);
    assert!(
        sixth.body.contains("too many failed logins"),
        "{}",
        sixth.body
    );
    assert_eq!(
        guesser.get("/dashboard").await.location.as_deref(),
        Some("/login"),
        "the right password did not log in while refused"
    );
    // Another user from the same address is not locked out.
    Browser::at(&app.base)
        .login("alice-member", "alice-password-1")
        .await;
}

/// Under a context path (XXL-JOB 2.x executors expect `/xxl-job-admin`) every surface
/// lives inside it: refusals send browsers to the login page there, the session cookie is
/// scoped to it, and nothing answers outside it.
#[tokio::test]
async fn under_a_context_path_refusals_and_the_cookie_stay_inside_it() {
    const CONTEXT: &str = "/xxl-job-admin";
    let store = common::sqlite_store().await;
    let app = TestApp::start(store.store.clone(), |c| {
        c.context_path = CONTEXT.into();
        c.access_token = Some(ACCESS_TOKEN.into());
    })
    .await;
    let root = app.base.strip_suffix(CONTEXT).unwrap().to_string();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: String| http.get(path).send();

    let dashboard = get(format!("{}/dashboard", app.base)).await.unwrap();
    assert_eq!(dashboard.status(), 303);
    assert_eq!(dashboard.headers()["location"], "/xxl-job-admin/login");
    let login = get(format!("{}/login", app.base)).await.unwrap();
    assert!(
        session_cookie_attributes(&login).contains(&"path=/xxl-job-admin".into()),
        "{:?}",
        session_cookie_attributes(&login)
    );
    let rest = get(format!("{}/api/v1/jobs", app.base)).await.unwrap();
    assert_eq!(rest.status(), 401);
    let beat = json_envelope_code(http.post(format!("{}/api/registry", app.base)).body(
        r#"{"registryGroup":"EXECUTOR","registryKey":"a-app","registryValue":"http://h:1/"}"#,
    ))
    .await;
    assert_eq!(beat, 500, "no token, refused");
    for outside in [
        "/dashboard",
        "/login",
        "/api/v1/jobs",
        "/metrics",
        "/healthz",
    ] {
        let response = get(format!("{root}{outside}")).await.unwrap();
        assert_eq!(response.status(), 404, "{outside} outside the context path");
    }
}

async fn json_envelope_code(request: reqwest::RequestBuilder) -> u64 {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["code"].as_u64().unwrap()
}

// ---- secrets are compared in constant time ------------------------------------------------

/// Every check of a secret goes through `subtle`'s `ct_eq` or argon2's verifier: the
/// REST v1 and executor tokens (`api::auth::token_eq`, `any_token_eq`), the metrics token
/// (`observe::endpoint::bearer_matches` → `token_eq`), the CSRF token (`auth::csrf::verify`),
/// session signatures (`auth::users::authenticate`), password hashes
/// (`auth::password::verify`) and, in the SDK, the admin's token (`server::equal`). A `==`
/// or `!=` on a line naming a secret is refused here before it can leak timing. (Personal
/// API tokens are looked up by their SHA-256 in an index: the lookup's timing can only tell
/// about a hash, which does not lead back to a token.)
#[test]
fn secrets_are_compared_in_constant_time() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
    for (file, needle) in [
        (
            "src/api/auth.rs",
            "expected.as_bytes().ct_eq(given.as_bytes())",
        ),
        (
            "src/api/auth.rs",
            "hit | t.as_bytes().ct_eq(given.as_bytes())",
        ),
        (
            "src/api/auth.rs",
            "any_token_eq(&state.config.api_tokens, token)",
        ),
        (
            "src/api/executor.rs",
            "global.is_some_and(|t| token_eq(t, given))",
        ),
        (
            "src/api/executor.rs",
            "if token_eq(t, given) => Ok(Scope::Group(g.id))",
        ),
        (
            "src/observe/endpoint.rs",
            "token_eq(expected, given.trim())",
        ),
        (
            "src/auth/csrf.rs",
            "session.nonce.as_bytes().ct_eq(presented.as_bytes())",
        ),
        (
            "src/auth/users.rs",
            "ct_eq(current.as_bytes(), login.signature.as_bytes())",
        ),
        (
            "src/auth/password.rs",
            ".verify_password(password.as_bytes(), &parsed)",
        ),
        (
            "src/auth/password.rs",
            ".ct_eq(stored.to_ascii_lowercase().as_bytes())",
        ),
        (
            "../executor-sdk/src/server.rs",
            "given.as_bytes().ct_eq(expected.as_bytes())",
        ),
    ] {
        assert!(
            read(file).contains(needle),
            "{file} no longer has `{needle}`"
        );
    }

    const SECRETS: [&str; 6] = ["token", "nonce", "signature", "secret", "password", "csrf"];
    let mut files = Vec::new();
    collect_rs(&root.join("src"), &mut files);
    collect_rs(&root.join("../executor-sdk/src"), &mut files);
    let mut suspicious = Vec::new();
    for file in files {
        // A cron expression's "tokens" are its fields, not secrets.
        if file.components().any(|c| c.as_os_str() == "cron") {
            continue;
        }
        for (n, line) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
            let code = line
                .split("//")
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let secret = |operand: &str| {
                !operand.ends_with(".len()") && SECRETS.iter().any(|s| operand.contains(s))
            };
            if compared_operands(&code)
                .iter()
                .any(|(left, right)| secret(left) || secret(right))
            {
                suspicious.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    // The scanner sees the leak it looks for.
    assert_eq!(
        compared_operands("if state.config.access_token == given {"),
        [("state.config.access_token".into(), "given".into())]
    );
    assert!(
        suspicious.is_empty(),
        "compare secrets with subtle's ct_eq (api::auth::token_eq), not ==:\n{}",
        suspicious.join("\n")
    );
}

/// The operands next to each `==` / `!=` of a line of code (paths, fields, calls).
fn compared_operands(code: &str) -> Vec<(String, String)> {
    let operand_char = |c: &char| c.is_alphanumeric() || "_.:()&*".contains(*c);
    let mut pairs = Vec::new();
    for op in ["==", "!="] {
        for (at, _) in code.match_indices(op) {
            let mut left: Vec<char> = code[..at]
                .trim_end()
                .chars()
                .rev()
                .take_while(operand_char)
                .collect();
            left.reverse();
            let right: String = code[at + 2..]
                .trim_start()
                .chars()
                .take_while(operand_char)
                .collect();
            pairs.push((left.into_iter().collect(), right));
        }
    }
    pairs
}
