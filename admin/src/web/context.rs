//! What every console handler knows about the request: the language, the session, and (on
//! pages behind login) the user, checked against the database on every request.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Key, PrivateCookieJar};

use super::WebState;
use super::error::HtmlError;
use super::i18n::Lang;
use crate::auth::{Session, users};
use crate::error::Error;
use crate::store::User;

/// What a template needs besides its own data: language, base path, CSRF token, user and
/// the active menu entry.
pub struct Ctx {
    /// Page language.
    pub lang: Lang,
    /// Context path prefix of every link (`""` or `/xxl-job-admin`).
    pub base: String,
    /// The CSRF token forms embed.
    pub csrf: String,
    /// The logged-in user (absent on the login page).
    pub user: Option<User>,
    /// Message id of the active menu entry.
    pub nav: &'static str,
}

impl Ctx {
    /// A message in the page's language.
    pub fn t<'a>(&self, id: &'a str) -> &'a str
    where
        'static: 'a,
    {
        self.lang.t(id)
    }

    /// Whether the user is an administrator (menu entries).
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(User::is_admin)
    }

    /// The user's name, or blank.
    pub fn username(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.username.as_str())
    }
}

/// Any visitor: the session (a new anonymous one when the browser has none) and language.
pub struct Visitor {
    /// The browser's session, maybe fresh (then the caller must set its cookie).
    pub session: Session,
    /// Whether `session` is new and needs a Set-Cookie.
    pub fresh: bool,
    /// The browser's cookies, sealed with the cluster key.
    pub jar: PrivateCookieJar,
    /// Page language.
    pub lang: Lang,
    /// Context path.
    pub base: String,
}

impl FromRequestParts<WebState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let jar = PrivateCookieJar::from_headers(&parts.headers, Key::from_ref(state));
        let existing = Session::from_jar(&jar, crate::time::now_ms());
        let fresh = existing.is_none();
        Ok(Self {
            session: existing.unwrap_or_else(Session::anonymous),
            fresh,
            jar,
            lang: Lang::choose(state.app.config.language.as_deref(), &parts.headers),
            base: state.app.config.context_path.clone(),
        })
    }
}

impl Visitor {
    /// The template context for `nav`, with no user.
    pub fn ctx(&self, nav: &'static str) -> Ctx {
        Ctx {
            lang: self.lang,
            base: self.base.clone(),
            csrf: self.session.nonce.clone(),
            user: None,
            nav,
        }
    }
}

/// A logged-in user whose session is still valid. Pages that take it redirect anonymous
/// browsers to the login page; scripts (non-GET) get 401.
pub struct Viewer {
    /// The user, as the database has it now.
    pub user: User,
    /// The session.
    pub session: Session,
    /// Page language.
    pub lang: Lang,
    /// Context path.
    pub base: String,
}

impl Viewer {
    /// The template context for `nav`.
    pub fn ctx(&self, nav: &'static str) -> Ctx {
        Ctx {
            lang: self.lang,
            base: self.base.clone(),
            csrf: self.session.nonce.clone(),
            user: Some(self.user.clone()),
            nav,
        }
    }

    /// An error page in the viewer's language.
    pub fn fail(&self, error: Error) -> HtmlError {
        HtmlError::new(error, self.lang, &self.base)
    }

    /// Refuses unless the user may operate group `group_id`.
    pub fn require_group(&self, group_id: i32) -> Result<(), HtmlError> {
        if self.user.may_access_group(group_id) {
            Ok(())
        } else {
            Err(self.fail(Error::Forbidden(format!(
                "you have no permission for executor group {group_id}"
            ))))
        }
    }
}

impl FromRequestParts<WebState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(visitor) = Visitor::from_request_parts(parts, state).await;
        let user = users::authenticate(&*state.app.store, &visitor.session)
            .await
            .map_err(|e| HtmlError::new(e, visitor.lang, &visitor.base).into_response())?;
        match user {
            Some(user) => Ok(Self {
                user,
                session: visitor.session,
                lang: visitor.lang,
                base: visitor.base,
            }),
            None if parts.method == Method::GET => {
                Err(Redirect::to(&format!("{}/login", visitor.base)).into_response())
            }
            None => Err((StatusCode::UNAUTHORIZED, "log in first").into_response()),
        }
    }
}

/// A logged-in administrator; others get 403.
pub struct AdminViewer(pub Viewer);

impl FromRequestParts<WebState> for AdminViewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        if viewer.user.is_admin() {
            Ok(Self(viewer))
        } else {
            Err(viewer
                .fail(Error::Forbidden("administrators only".into()))
                .into_response())
        }
    }
}

/// The client's address, for login rate limiting. It is the TCP peer: behind a proxy all
/// clients share the proxy's address, which still limits guessing per username.
pub struct ClientIp(pub std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(Self(ip))
    }
}
