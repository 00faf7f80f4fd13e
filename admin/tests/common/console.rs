//! The console under test: a real admin on `127.0.0.1:0` over its own SQLite database, and
//! a small cookie-keeping HTTP client that behaves like a browser without JavaScript.
#![allow(dead_code)]

use std::net::SocketAddr;

use jobwheel_admin::app::AppState;
use jobwheel_admin::auth::users;
use jobwheel_admin::config::Config;
use jobwheel_admin::server;
use jobwheel_admin::store::{AddressType, GroupFields};

use crate::common::{TestHome, sqlite_store};

/// A running admin.
pub struct Console {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The password printed for `admin` at first start.
    pub admin_password: String,
    /// The admin's state (its store, to arrange data the console does not create).
    pub state: AppState,
    _home: TestHome,
    server: tokio::task::JoinHandle<()>,
    shutdown: tokio_util::sync::CancellationToken,
}

impl Drop for Console {
    fn drop(&mut self) {
        self.server.abort();
        self.shutdown.cancel();
    }
}

/// Starts an admin over a fresh SQLite database, as `jobwheel-admin` starts, without a
/// scheduler (pages only).
pub async fn start() -> Console {
    start_with(false).await
}

/// [`start`] with the scheduler running, so the console can trigger jobs on executors; the
/// scheduler stops when the test's runtime ends.
pub async fn start_scheduled() -> Console {
    start_with(true).await
}

async fn start_with(scheduler: bool) -> Console {
    let (store, home) = sqlite_store().await.into_parts();
    let config = Config {
        cookie_key: Some("console-tests-cookie-key-of-32-chars!!".into()),
        ..Config::default()
    };
    let mut state = AppState::new(config, store);
    let shutdown = tokio_util::sync::CancellationToken::new();
    if scheduler {
        let running = jobwheel_admin::schedule::spawn(&state, shutdown.clone()).expect("scheduler");
        state = state.with_dispatcher(running.dispatcher().clone());
    }
    let admin_password = users::ensure_first_admin(&*state.store)
        .await
        .expect("first admin")
        .expect("a new database gets an admin");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let app = server::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Console {
        url,
        admin_password,
        state,
        _home: home,
        server,
        shutdown,
    }
}

/// Adds an auto-registered executor group straight to the store (the console's group pages
/// are not the subject of these tests); returns its id.
pub async fn add_group(console: &Console, app_name: &str, title: &str) -> i32 {
    let now = jobwheel_admin::time::now_naive(console.state.tz);
    let fields = GroupFields {
        app_name: app_name.into(),
        title: title.into(),
        address_type: AddressType::Auto,
        ..GroupFields::default()
    };
    console
        .state
        .store
        .insert_group(&fields, now)
        .await
        .expect("insert group")
}

/// A browser without JavaScript: keeps the session cookie, does not follow redirects.
pub struct Browser {
    base: String,
    http: reqwest::Client,
    /// The `jobwheel_session=…` pair the server last set.
    pub cookie: Option<String>,
    /// Accept-Language sent with each request.
    pub language: Option<String>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    /// Status code.
    pub status: u16,
    /// `Location` of a redirect.
    pub location: Option<String>,
    /// The body.
    pub body: String,
}

impl Page {
    /// The CSRF token the page embeds (`<meta name="csrf-token">`).
    pub fn csrf(&self) -> String {
        self.quoted_after("name=\"csrf-token\" content=\"")
    }

    /// The text between `marker` (which ends with an opening quote) and the next `"`;
    /// panics when the page lacks `marker`.
    pub fn quoted_after(&self, marker: &str) -> String {
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("page has `{marker}`"))
            + marker.len();
        self.body[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

impl Browser {
    /// A browser pointed at `console`.
    pub fn new(console: &Console) -> Self {
        Self::at(&console.url)
    }

    /// A browser pointed at any admin's base URL (e.g. a `TestApp`'s, with its context path).
    pub fn at(base: &str) -> Self {
        Self {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookie: None,
            language: None,
        }
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    /// `POST path` with a form body.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    /// Opens the login page and signs in; panics unless it lands on the dashboard.
    pub async fn login(&mut self, username: &str, password: &str) {
        let form = self.get("/login").await;
        let token = form.csrf();
        let page = self
            .post(
                "/login",
                &[
                    ("_csrf", &token),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "login as {username}: {}", page.body);
        assert_eq!(page.location.as_deref(), Some("/dashboard"));
    }

    async fn send(&mut self, mut request: reqwest::RequestBuilder) -> Page {
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(language) = &self.language {
            request = request.header("accept-language", language);
        }
        let response = request.send().await.expect("request");
        for value in response.headers().get_all("set-cookie") {
            let pair = value
                .to_str()
                .unwrap_or_default()
                .split(';')
                .next()
                .unwrap_or_default();
            if pair.starts_with("jobwheel_session=") {
                self.cookie = Some(pair.to_string());
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            location,
            body,
        }
    }
}
