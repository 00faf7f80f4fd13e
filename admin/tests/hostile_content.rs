//! Hostile content: HTML and SQL that users, executors and jobs put into the admin come back
//! out of the console as text, never as markup; filters with SQL metacharacters match
//! literally and change nothing; a NUL in a filter is a 400 that names it; oversized forms
//! are a 413.
//!
//! Each payload is tagged with the field it went into (`alert('desc')`), so a failure says
//! which field leaked on which page.

mod common;
#[path = "common/console.rs"]
mod console;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use common::app::{TestApp, eventually};
use common::sdk::SdkExecutor;
use console::{Browser, Page};
use jobwheel_admin::auth::{password, users};
use jobwheel_admin::store::{JobFilter, LogFilter, NewUser, ROLE_ADMIN, Store};
use serde_json::{Value, json};

const FIRST_PAGE: jobwheel_admin::store::Page = jobwheel_admin::store::Page {
    offset: 0,
    limit: 20,
};
const ADMIN: (&str, &str) = ("root-admin", "root-password-1");
const HOSTILE_PASSWORD: &str = "hostile-password-1";

/// The three kinds of payload, tagged with where they went.
fn payload(kind: usize, tag: &str) -> String {
    match kind {
        0 => format!("<script>alert('{tag}')</script>"),
        1 => format!("\"><img src=x onerror=alert('{tag}')>"),
        _ => format!("'; DROP TABLE xxl_job_info; -- {tag}"),
    }
}
const KINDS: usize = 3;

/// `text` as HTML escapes it.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A page with each character's entity spellings made one, so [`escaped`] can find them.
fn canonical(body: &str) -> String {
    body.replace("&#60;", "&lt;")
        .replace("&#62;", "&gt;")
        .replace("&#38;", "&amp;")
        .replace("&#34;", "&quot;")
        .replace("&#x22;", "&quot;")
        .replace("&#x27;", "&#39;")
        .replace("&#039;", "&#39;")
}

async fn start(store: Arc<dyn Store>) -> TestApp {
    let input = users::UserInput {
        username: ADMIN.0.into(),
        password: ADMIN.1.into(),
        role: ROLE_ADMIN,
        groups: Vec::new(),
    };
    users::create(&*store, &input).await.unwrap();
    TestApp::start(store, |c| {
        c.cookie_key = Some("hostile-content-cookie-key-32-chars!".into())
    })
    .await
}

async fn admin(app: &TestApp) -> Browser {
    let mut browser = Browser::at(&app.base);
    browser.login(ADMIN.0, ADMIN.1).await;
    browser
}

/// `POST path` with the page's CSRF token added.
async fn submit(browser: &mut Browser, form_page: &str, path: &str, form: &[(&str, &str)]) -> Page {
    let token = browser.get(form_page).await.csrf();
    let mut fields = vec![("_csrf", token.as_str())];
    fields.extend_from_slice(form);
    browser.post(path, &fields).await
}

fn job_form<'a>(group: &'a str, desc: &'a str, author: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("jobGroup", group),
        ("jobDesc", desc),
        ("author", author),
        ("alarmWebhook", ""),
        ("scheduleType", "CRON"),
        ("scheduleConf", "0 0 3 1 1 ?"),
        ("timeZone", ""),
        ("misfireStrategy", "DO_NOTHING"),
        ("executorRouteStrategy", "FIRST"),
        ("executorBlockStrategy", "SERIAL_EXECUTION"),
        ("executorTimeout", "0"),
        ("executorFailRetryCount", "0"),
        ("childJobId", ""),
    ]
}

async fn job_id(store: &dyn Store, group: i32, glue: bool) -> i32 {
    let filter = JobFilter {
        job_group: Some(group),
        ..JobFilter::default()
    };
    let (jobs, _) = store.list_jobs(&filter, FIRST_PAGE).await.unwrap();
    jobs.iter()
        .find(|j| (j.glue_type != "BEAN") == glue)
        .unwrap()
        .id
}

/// What one kind of payload went into.
struct Planted {
    group: i32,
    user: i32,
    job: i32,
    glue_job: i32,
    /// A run of `job` on a real SDK executor (trigger message, result, executor log).
    run: i64,
    /// A run finished through the executor API's callback.
    called_back: i64,
    _executor: SdkExecutor,
}

/// Plants payload `kind` everywhere a user, an executor or a job can put text.
async fn plant(app: &TestApp, root: &mut Browser, kind: usize, dir: &std::path::Path) -> Planted {
    let store = &*app.state.store;
    let p = |tag: &str| payload(kind, tag);
    // A user of an adopted XXL-JOB database may be called anything (the console itself
    // only creates letters, digits and `_-.@`).
    let user = store
        .insert_user(&NewUser {
            username: p("user"),
            password: password::hash(HOSTILE_PASSWORD).await.unwrap(),
            role: ROLE_ADMIN,
            permission: None,
        })
        .await
        .unwrap();
    let app_name = format!("hostile-kind-{kind}");
    let made = submit(
        root,
        "/groups/new",
        "/groups",
        &[
            ("appname", &app_name),
            ("title", &p("title")),
            ("addressType", "0"),
        ],
    )
    .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let group = store
        .get_group_by_app_name(&app_name)
        .await
        .unwrap()
        .unwrap()
        .id;
    let executor = SdkExecutor::start(&app.base, &app_name, &dir.join(&app_name)).await;

    let group_text = group.to_string();
    let (desc, author) = (p("desc"), p("author"));
    let (alarm, param) = (format!("{}@example.com", p("alarm")), p("param"));
    let mut form = job_form(&group_text, &desc, &author);
    form.extend([
        ("alarmEmail", alarm.as_str()),
        ("glueType", "BEAN"),
        ("executorHandler", "ok"),
        ("executorParam", &param),
    ]);
    let made = submit(root, "/jobs/new", "/jobs", &form).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let job = job_id(store, group, false).await;

    let glue_desc = p("glueDesc");
    let mut form = job_form(&group_text, &glue_desc, "ops");
    form.extend([("alarmEmail", ""), ("glueType", "GLUE_SHELL")]);
    let made = submit(root, "/jobs/new", "/jobs", &form).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let glue_job = job_id(store, group, true).await;
    let editor = format!("/jobs/{glue_job}/glue");
    let (source, remark) = (p("glue"), p("remark"));
    let saved = submit(
        root,
        &editor,
        &editor,
        &[("glueSource", &source), ("glueRemark", &remark)],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    // Run the job once on the SDK executor: its handler logs "ok got <param>" and
    // answers "ok:<param>", which comes back through the callback API.
    eventually(Duration::from_secs(10), || async {
        let group = store.get_group(group).await.unwrap()?;
        group.address_list.filter(|a| !a.is_empty())
    })
    .await;
    let trigger = format!("/jobs/{job}/trigger");
    let ran = submit(root, &trigger, &trigger, &[("executorParam", &param)]).await;
    assert_eq!(ran.status, 303, "{}", ran.body);
    let run = eventually(Duration::from_secs(15), || async {
        let filter = LogFilter {
            job_id: Some(job),
            ..LogFilter::default()
        };
        let (logs, _) = store.list_logs(&filter, FIRST_PAGE).await.unwrap();
        logs.into_iter().find(|l| l.handle_code == 200)
    })
    .await;
    assert_eq!(
        run.handle_msg.as_deref(),
        Some(format!("ok:{param}").as_str())
    );
    let trigger_msg = format!(
        "{}<br>{}",
        run.trigger_msg.unwrap_or_default(),
        p("trigger")
    );
    store.set_trigger_msg(run.id, &trigger_msg).await.unwrap();

    // A result reported straight to the executor API.
    let called_back =
        common::accepted_run(store, app.state.tz, group, job, &executor.address).await;
    let results = json!([{"logId": called_back, "logDateTim": 1, "handleCode": 500,
                          "handleMsg": p("handle")}]);
    let (status, reply) = common::app::send(app.executor("callback", &results)).await;
    assert_eq!(
        (status.as_u16(), &reply["code"]),
        (200, &json!(200)),
        "{reply}"
    );

    Planted {
        group,
        user,
        job,
        glue_job,
        run: run.id,
        called_back,
        _executor: executor,
    }
}

/// What the pages showed: responses read, payloads confirmed absent in raw form and
/// present escaped, and what went wrong.
#[derive(Default)]
struct Audit {
    responses: usize,
    absent: usize,
    escaped: usize,
    problems: Vec<String>,
}

impl Audit {
    /// Checks one response: no payload of any kind appears raw, and each of `tags` of
    /// `kind` appears escaped.
    fn page(&mut self, path: &str, body: &str, kind: usize, tags: &[&str]) {
        let body = canonical(body);
        self.responses += 1;
        for other in 0..KINDS {
            for tag in TAGS {
                let raw = payload(other, tag);
                if body.contains(&raw) {
                    self.problems.push(format!("{path}: raw {raw:?}"));
                }
                self.absent += 1;
            }
        }
        for tag in tags {
            let want = escaped(&payload(kind, tag));
            if !body.contains(&want) {
                self.problems
                    .push(format!("{path}: no escaped {tag} {want:?}"));
            }
            self.escaped += 1;
        }
    }
}

const TAGS: &[&str] = &[
    "user", "title", "desc", "author", "alarm", "param", "glueDesc", "glue", "remark", "trigger",
    "handle", "login", "email", "from", "filter",
];

async fn hostile_text_is_escaped_on_every_page_that_shows_it(store: Arc<dyn Store>) -> Audit {
    let app = start(store.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut root = admin(&app).await;
    let mut planted = Vec::new();
    for kind in 0..KINDS {
        planted.push(plant(&app, &mut root, kind, dir.path()).await);
    }

    let mut audit = Audit::default();
    for (kind, p) in planted.iter().enumerate() {
        // Browse as the user whose very name is the payload: it is on every page.
        let mut browser = Browser::at(&app.base);
        browser
            .login(&payload(kind, "user"), HOSTILE_PASSWORD)
            .await;
        let pages: Vec<(String, u16, &[&str])> = vec![
            ("/dashboard".into(), 200, &["user"]),
            (
                format!("/jobs?group={}", p.group),
                200,
                &["user", "title", "desc", "author", "glueDesc"],
            ),
            (
                format!("/jobs/{}/edit", p.job),
                200,
                &["title", "desc", "author", "alarm", "param"],
            ),
            (
                format!("/jobs/new?copy={}", p.job),
                200,
                &["title", "desc", "author", "alarm", "param"],
            ),
            (format!("/jobs/{}/trigger", p.job), 200, &["desc", "param"]),
            (
                format!("/jobs/{}/glue", p.glue_job),
                200,
                &["glueDesc", "glue", "remark"],
            ),
            (format!("/logs?group={}", p.group), 200, &["title"]),
            (format!("/logs?job={}", p.job), 200, &["title"]),
            (format!("/logs/{}", p.run), 200, &["param", "trigger"]),
            (format!("/logs/{}", p.called_back), 200, &["handle"]),
            ("/groups".into(), 200, &["title"]),
            (format!("/groups/{}/edit", p.group), 200, &["title"]),
            ("/users".into(), 200, &["user"]),
            (format!("/users/{}/edit", p.user), 200, &["user"]),
            ("/account".into(), 200, &["user"]),
            ("/account/tokens".into(), 200, &["user"]),
            ("/help".into(), 200, &["user"]),
            // What the user typed, sent back with the mistake or the filter.
            (
                format!("/logs?{}", query(&[("from", &payload(kind, "from"))])),
                422,
                &["from"],
            ),
            (
                format!("/jobs?{}", query(&[("desc", &payload(kind, "filter"))])),
                200,
                &["filter"],
            ),
        ];
        for (path, status, tags) in pages {
            let page = browser.get(&path).await;
            assert_eq!(page.status, status, "{path}: {}", page.body);
            audit.page(&path, &page.body, kind, tags);
        }

        // The executor's own log of the run, as the run's page polls it.
        let path = format!("/logs/{}/tail?from=1", p.run);
        let tail: Value = serde_json::from_str(&browser.get(&path).await.body).unwrap();
        let content = tail["logContent"].as_str().unwrap_or_default();
        audit.page(&path, content, kind, &["param"]);

        // Text sent back at the user in the same response.
        let mut stranger = Browser::at(&app.base);
        let username = payload(kind, "login");
        let login = submit(
            &mut stranger,
            "/login",
            "/login",
            &[("username", &username), ("password", "x")],
        )
        .await;
        assert_eq!(login.status, 422);
        audit.page("/login (failed)", &login.body, kind, &["login"]);

        let group = p.group.to_string();
        let (desc, email) = (payload(kind, "desc"), payload(kind, "email"));
        let mut form = job_form(&group, &desc, "ops");
        form.extend([
            ("alarmEmail", email.as_str()),
            ("glueType", "BEAN"),
            ("executorHandler", "ok"),
        ]);
        let refused = submit(&mut browser, "/jobs/new", "/jobs", &form).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        audit.page("/jobs (bad email)", &refused.body, kind, &["email"]);
    }
    assert!(audit.problems.is_empty(), "{}", audit.problems.join("\n"));
    audit
}

#[tokio::test]
async fn hostile_text_is_escaped_everywhere_in_the_console() {
    for (name, test_store) in common::each_store().await {
        let started = std::time::Instant::now();
        let audit =
            hostile_text_is_escaped_on_every_page_that_shows_it(test_store.store.clone()).await;
        eprintln!(
            "hostile content on {name}: {} responses, {} (payload, response) pairs never raw, \
             {} payloads found escaped where shown, in {:?}",
            audit.responses,
            audit.absent,
            audit.escaped,
            started.elapsed()
        );
    }
}

// ---- filters ---------------------------------------------------------------------------

/// Descriptions, authors and handlers seeded with SQL metacharacters.
const SEEDS: &[&str] = &[
    "100% sure",
    "100_ sure",
    "it's late",
    "say \"hi\"",
    "back\\slash",
    "plain job",
    "' OR '1'='1",
    "%'; DROP TABLE xxl_job_info; --",
];

/// Filters with metacharacters, and some that must find nothing.
const NEEDLES: &[&str] = &[
    "%",
    "_",
    "'",
    "\"",
    "\\",
    "' OR '1'='1",
    "' OR 1=1 --",
    "100%",
    "0_",
    "%'; DROP",
    "*",
    "[a]",
    "nothing like it",
];

/// The ids a list page links to as `/{kind}/{id}/edit`.
fn listed(body: &str, kind: &str) -> BTreeSet<i32> {
    let marker = format!("href=\"/{kind}/");
    body.split(&marker)
        .skip(1)
        .filter_map(|rest| rest.split_once("/edit\""))
        .filter_map(|(id, _)| id.parse().ok())
        .collect()
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The case-insensitive (ASCII) substring test a literal filter is.
fn literal(haystack: &str, needle: &str) -> bool {
    haystack
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

async fn counts(store: &dyn Store) -> (i64, i64, usize) {
    let jobs = store
        .list_jobs(&JobFilter::default(), FIRST_PAGE)
        .await
        .unwrap()
        .1;
    let users = store
        .list_users(&jobwheel_admin::store::UserFilter::default(), FIRST_PAGE)
        .await
        .unwrap()
        .1;
    (jobs, users, store.all_groups().await.unwrap().len())
}

async fn console_filters_match_literally_and_change_nothing(store: Arc<dyn Store>) -> usize {
    let app = start(store.clone()).await;
    let mut root = admin(&app).await;
    let now = jobwheel_admin::time::now_naive(app.state.tz);
    let group = store
        .insert_group(&common::group_fields("filter-executor"), now)
        .await
        .unwrap();
    let mut jobs = Vec::new();
    for seed in SEEDS {
        let job = jobwheel_admin::store::JobInfo {
            author: Some(seed.to_string()),
            executor_handler: Some(format!("handler {seed}")),
            ..common::job(group, seed, 0)
        };
        jobs.push((store.insert_job(&job).await.unwrap(), *seed));
    }
    let before = counts(&*store).await;

    let mut checks = 0;
    let group_text = group.to_string();
    for needle in NEEDLES {
        for field in ["desc", "author", "handler"] {
            let path = format!(
                "/jobs?{}",
                query(&[("group", &group_text), (field, needle)])
            );
            let page = root.get(&path).await;
            assert_eq!(page.status, 200, "{path}: {}", page.body);
            let want: BTreeSet<i32> = jobs
                .iter()
                .filter(|(_, seed)| literal(seed, needle))
                .map(|(id, _)| *id)
                .collect();
            assert_eq!(listed(&page.body, "jobs"), want, "{path}");
            checks += 1;
        }
        // Users by name: only the admin exists, whose name holds none of these.
        let path = format!("/users?{}", query(&[("username", needle)]));
        let page = root.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        let want = literal(ADMIN.0, needle).then_some(1).into_iter().count();
        assert_eq!(listed(&page.body, "users").len(), want, "{path}");
        // Groups by app name and title.
        for field in ["appname", "title"] {
            let path = format!("/groups?{}", query(&[(field, needle)]));
            let page = root.get(&path).await;
            assert_eq!(page.status, 200, "{path}");
            let name = if field == "appname" {
                "filter-executor"
            } else {
                "filter-executor title"
            };
            let want = usize::from(literal(name, needle));
            assert_eq!(listed(&page.body, "groups").len(), want, "{path}");
        }
        // The log list's typed filters take a job id, a status and times: none of these
        // is one, and the mistake is shown next to its field.
        for field in ["job", "status", "from", "to"] {
            let path = format!(
                "/logs?{}",
                query(&[("group", &group_text), (field, needle)])
            );
            let page = root.get(&path).await;
            assert_eq!(page.status, 422, "{path}: {}", page.body);
            assert!(
                page.body.contains("class=\"field-error\""),
                "{path}: {}",
                page.body
            );
        }
        // Ids and the job status are numbers: anything else names its parameter rather
        // than widening the list to every group or job.
        for (path, field) in [
            (format!("/jobs?{}", query(&[("group", needle)])), "group"),
            (
                format!(
                    "/jobs?{}",
                    query(&[("group", &group_text), ("status", needle)])
                ),
                "status",
            ),
            (format!("/logs?{}", query(&[("group", needle)])), "group"),
        ] {
            let page = root.get(&path).await;
            assert_eq!(page.status, 400, "{path}: {}", page.body);
            assert!(
                page.body.contains(&format!("{field}: ")),
                "{path}: {}",
                page.body
            );
        }
        checks += 10;
    }
    assert_eq!(counts(&*store).await, before, "a filter changed the tables");
    checks
}

#[tokio::test]
async fn console_filters_with_sql_metacharacters_match_literally() {
    for (name, test_store) in common::each_store().await {
        let checks =
            console_filters_match_literally_and_change_nothing(test_store.store.clone()).await;
        eprintln!("console filters on {name}: {checks} filtered pages checked");
    }
}

/// SQLite ends a LIKE pattern at a NUL, so `desc=x%00` would list every job: each console
/// page refuses a NUL in its query with a 400 page naming the parameter, as REST v1 does.
#[tokio::test]
async fn a_nul_in_a_console_filter_is_a_400_naming_the_field() {
    let store = common::sqlite_store().await;
    let app = start(store.store.clone()).await;
    let mut root = admin(&app).await;
    for (path, field) in [
        ("/jobs?desc=x%00", "desc"),
        ("/jobs?author=%00", "author"),
        ("/jobs?handler=a%00b", "handler"),
        ("/users?username=%00", "username"),
        ("/groups?appname=%00", "appname"),
        ("/groups?title=%00", "title"),
        ("/logs?from=%00", "from"),
        ("/jobs?=%3Dx%00", "query"),
        ("/dashboard?days=%00", "days"),
    ] {
        let page = root.get(path).await;
        assert_eq!(page.status, 400, "{path}: {}", page.body);
        assert!(
            page.body
                .contains(&format!("{field}: must not contain a NUL character")),
            "{path}: {}",
            page.body
        );
        assert!(
            page.body.contains("<html"),
            "{path}: a page, not plain text"
        );
    }
    // Other mistakes in a query name their parameter too, on a page.
    let page = root.get("/jobs?page=first").await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("page: "), "{}", page.body);
}

// ---- oversized bodies ------------------------------------------------------------------

/// The console reads forms up to `csrf::MAX_FORM_BYTES` (4 MiB, for GLUE scripts), and
/// refuses anything larger with 413, whether the CSRF token is in the form or in the
/// `X-CSRF-Token` header. (REST v1 and the executor API: `fuzz_http.rs`.)
#[tokio::test]
async fn oversized_console_forms_are_refused_with_413() {
    use jobwheel_admin::auth::csrf::MAX_FORM_BYTES;
    let store = common::sqlite_store().await;
    let app = start(store.store.clone()).await;
    let mut root = admin(&app).await;
    let now = jobwheel_admin::time::now_naive(app.state.tz);
    let group = store
        .insert_group(&common::group_fields("big-executor"), now)
        .await
        .unwrap();
    let job = jobwheel_admin::store::JobInfo {
        glue_type: "GLUE_SHELL".into(),
        ..common::job(group, "big scripts", 0)
    };
    let job = store.insert_job(&job).await.unwrap();
    let editor = format!("/jobs/{job}/glue");
    let token = root.get(&editor).await.csrf();

    // 3 MiB: over axum's default, under the console's limit: saved.
    let script = format!("echo {}", "x".repeat(3 * 1024 * 1024));
    let saved = root
        .post(
            &editor,
            &[
                ("_csrf", &token),
                ("glueSource", &script),
                ("glueRemark", "big one"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = store.get_job(job).await.unwrap().unwrap().glue_source;
    assert_eq!(stored.map(|s| s.len()), Some(script.len()));

    let huge = "x".repeat(MAX_FORM_BYTES + 1);
    let refused = root
        .post(
            &editor,
            &[
                ("_csrf", &token),
                ("glueSource", &huge),
                ("glueRemark", "too big"),
            ],
        )
        .await;
    assert_eq!(refused.status, 413, "{}", refused.body);

    let cookie = root.cookie.clone().unwrap();
    let by_header = reqwest::Client::new()
        .post(format!("{}{editor}", app.base))
        .header("cookie", cookie)
        .header("x-csrf-token", token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("glueRemark=too+big&glueSource={huge}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), 413);
    let versions = store.glue_versions(job).await.unwrap();
    assert_eq!(versions.len(), 1, "only the 3 MiB script was saved");
}
