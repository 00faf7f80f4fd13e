//! Login and logout.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{FormData, render};
use crate::auth::{Session, users};
use crate::error::Error;
use crate::web::WebState;
use crate::web::context::{ClientIp, Ctx, Viewer, Visitor};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    username: String,
    error: Option<String>,
}

/// `GET /login`: the form; gives a new browser its session cookie (the CSRF token).
pub async fn form(State(state): State<WebState>, visitor: Visitor) -> Response {
    let page = render(&LoginPage {
        ctx: visitor.ctx("login.title"),
        username: String::new(),
        error: None,
    });
    if visitor.fresh {
        let cookie = state.auth.cookies.cookie(&visitor.session);
        (visitor.jar.add(cookie), page).into_response()
    } else {
        page
    }
}

/// `POST /login`.
pub async fn submit(
    State(state): State<WebState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let username = form.get("username").trim().to_string();
    let result = users::login(
        &*state.app.store,
        &state.auth.limiter,
        &username,
        form.get("password"),
        ip,
        crate::time::now_ms(),
    )
    .await;
    match result {
        Ok((_, session)) => {
            let jar = visitor.jar.add(state.auth.cookies.cookie(&session));
            (jar, Redirect::to(&format!("{}/dashboard", visitor.base))).into_response()
        }
        Err(Error::Validation { message, .. }) => {
            let page = render(&LoginPage {
                ctx: visitor.ctx("login.title"),
                username,
                error: Some(message),
            });
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(e) => crate::web::error::HtmlError::new(e, visitor.lang, &visitor.base).into_response(),
    }
}

/// `POST /logout`: ends every session of the user and gives this browser a fresh anonymous
/// one.
pub async fn logout(State(state): State<WebState>, viewer: Viewer, visitor: Visitor) -> Response {
    if let Err(e) = users::logout(&*state.app.store, &viewer.user).await {
        return viewer.fail(e).into_response();
    }
    let jar = visitor
        .jar
        .add(state.auth.cookies.cookie(&Session::anonymous()));
    (jar, Redirect::to(&format!("{}/login", viewer.base))).into_response()
}
