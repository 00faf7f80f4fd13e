//! The web console: server-rendered pages (askama), embedded static assets, a little
//! JavaScript where it helps (live cron preview, confirmations).
//!
//! Handlers are thin: they parse a form, call the same domain functions REST v1 calls (and
//! [`crate::auth`] for accounts), and render a template. Every page checks the user's role
//! and groups on the server; the menu only hides what the server refuses anyway. Every
//! request that changes state passes the CSRF check ([`crate::auth::csrf`]) first, and every
//! response forbids framing and foreign scripts ([`headers`]).

mod assets;
pub mod context;
pub mod error;
pub mod headers;
pub mod i18n;
mod pages;
pub mod query;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post};
use axum_extra::extract::cookie::Key;

use crate::app::AppState;
use crate::auth::{Auth, CookieSettings, csrf};

/// The console's state: the admin's shared state plus the session machinery.
#[derive(Clone)]
pub struct WebState {
    /// Store, config, time zone.
    pub app: AppState,
    /// Cookie key, login limiter.
    pub auth: Auth,
}

impl FromRef<WebState> for Key {
    fn from_ref(state: &WebState) -> Self {
        state.auth.cookies.key.clone()
    }
}

impl FromRef<WebState> for CookieSettings {
    fn from_ref(state: &WebState) -> Self {
        state.auth.cookies.clone()
    }
}

/// The console's routes (not yet under the context path: the caller nests them), with the
/// CSRF check in front of every state-changing request.
pub fn router(state: AppState) -> Router {
    let auth = Auth::from_config(&state.config);
    router_with(WebState { app: state, auth })
}

/// [`router`] over an existing [`Auth`] (tests share one key between two routers).
pub fn router_with(state: WebState) -> Router {
    Router::new()
        .route("/", get(pages::dashboard::home))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/dashboard", get(pages::dashboard::page))
        .route("/account", get(pages::account::page))
        .route("/account/password", post(pages::account::change_password))
        .route(
            "/account/tokens",
            get(pages::api_tokens::list).post(pages::api_tokens::create),
        )
        .route(
            "/account/tokens/{id}/revoke",
            post(pages::api_tokens::revoke),
        )
        .route("/users", get(pages::users::list).post(pages::users::create))
        .route("/users/new", get(pages::users::new_form))
        .route("/users/{id}", post(pages::users::update))
        .route("/users/{id}/edit", get(pages::users::edit_form))
        .route("/users/{id}/delete", post(pages::users::delete))
        .route("/jobs", get(pages::jobs::list).post(pages::jobs::create))
        .route("/jobs/new", get(pages::jobs::new_form))
        .route("/jobs/{id}", post(pages::jobs::update))
        .route("/jobs/{id}/edit", get(pages::jobs::edit_form))
        .route("/jobs/{id}/delete", post(pages::jobs::delete))
        .route("/jobs/{id}/start", post(pages::jobs::start))
        .route("/jobs/{id}/stop", post(pages::jobs::stop))
        .route(
            "/jobs/{id}/glue",
            get(pages::glue::editor).post(pages::glue::save),
        )
        .route(
            "/jobs/{id}/glue/{version}/restore",
            post(pages::glue::restore),
        )
        .route(
            "/jobs/{id}/trigger",
            get(pages::jobs::trigger_form).post(pages::jobs::trigger),
        )
        .route(
            "/groups",
            get(pages::groups::list).post(pages::groups::create),
        )
        .route("/groups/new", get(pages::groups::new_form))
        .route("/groups/{id}", post(pages::groups::update))
        .route("/groups/{id}/edit", get(pages::groups::edit_form))
        .route("/groups/{id}/delete", post(pages::groups::delete))
        .route("/logs", get(pages::logs::list))
        .route("/logs/clear", post(pages::logs::clear))
        .route("/logs/{id}", get(pages::logs::detail))
        .route("/logs/{id}/tail", get(pages::logs::tail))
        .route("/logs/{id}/kill", post(pages::logs::kill))
        .route("/help", get(pages::help::page))
        .route("/console/schedule-preview", get(pages::preview::schedule))
        .route("/static/{*path}", get(assets::serve))
        // Handlers read forms up to the size the CSRF check buffers, not axum's 2 MiB.
        .layer(DefaultBodyLimit::max(csrf::MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.auth.cookies.clone(),
            csrf::require_token,
        ))
        .layer(axum::middleware::map_response(headers::protect))
        .with_state(state)
}
