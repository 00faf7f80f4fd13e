//! The user's own account: see it, change the password.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{FieldErrors, FormData, render};
use crate::auth::users;
use crate::web::WebState;
use crate::web::context::{Ctx, Viewer, Visitor};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    saved: bool,
    errors: FieldErrors,
}

/// `GET /account`.
pub async fn page(viewer: Viewer) -> Response {
    render(&AccountPage {
        ctx: viewer.ctx("nav.account"),
        saved: false,
        errors: FieldErrors::default(),
    })
}

/// `POST /account/password`: other sessions of the user end; this browser stays in with a
/// new session.
pub async fn change_password(
    State(state): State<WebState>,
    viewer: Viewer,
    visitor: Visitor,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let changed = users::change_password(
        &*state.app.store,
        &viewer.user,
        form.get("old_password"),
        form.get("password"),
        crate::time::now_ms(),
    )
    .await;
    let mut errors = FieldErrors::default();
    match changed {
        Ok(session) => {
            let jar = visitor.jar.add(state.auth.cookies.cookie(&session));
            let mut ctx = viewer.ctx("nav.account");
            ctx.csrf = session.nonce.clone();
            let page = render(&AccountPage {
                ctx,
                saved: true,
                errors,
            });
            (jar, page).into_response()
        }
        Err(e) => match errors.absorb(e) {
            Ok(()) => {
                let page = render(&AccountPage {
                    ctx: viewer.ctx("nav.account"),
                    saved: false,
                    errors,
                });
                (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
            }
            Err(e) => viewer.fail(e).into_response(),
        },
    }
}
