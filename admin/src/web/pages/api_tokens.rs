//! `/account/tokens`: personal REST v1 tokens. Users see and manage their own; admins see
//! every token and may create one for any user. A new token is shown once, in the answer
//! to the POST that made it (never in a URL, so it stays out of history and access logs).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{FieldErrors, FormData, render};
use crate::auth::api_tokens;
use crate::error::Result;
use crate::store::{ApiToken, Page, User, UserFilter};
use crate::web::WebState;
use crate::web::context::{Ctx, Viewer};

/// Users an admin may pick as a token's owner (the form's select).
const OWNER_CHOICES: i64 = 500;

#[derive(Template)]
#[template(path = "api_tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<ApiToken>,
    /// Owners an admin may choose (empty for normal users: they own what they create).
    owners: Vec<User>,
    me: i32,
    /// The token just created, shown this once.
    created: Option<String>,
    name: String,
    errors: FieldErrors,
}

/// `GET /account/tokens`.
pub async fn list(State(state): State<WebState>, viewer: Viewer) -> Response {
    show(
        &state,
        &viewer,
        None,
        String::new(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /account/tokens`: creates a token and shows it once.
pub async fn create(State(state): State<WebState>, viewer: Viewer, body: Bytes) -> Response {
    let form = FormData::parse(&body);
    let owner = form.get("user_id").parse().unwrap_or(viewer.user.id);
    let now = crate::time::now_naive(state.app.tz);
    let name = form.get("name").to_string();
    match api_tokens::create(&*state.app.store, &viewer.user, owner, &name, now).await {
        Ok((_, token)) => {
            show(
                &state,
                &viewer,
                Some(token),
                String::new(),
                FieldErrors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let mut errors = FieldErrors::default();
            match errors.absorb(e) {
                Ok(()) => {
                    show(
                        &state,
                        &viewer,
                        None,
                        name,
                        errors,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await
                }
                Err(e) => viewer.fail(e).into_response(),
            }
        }
    }
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<i32>,
) -> Response {
    let now = crate::time::now_naive(state.app.tz);
    match api_tokens::revoke(&*state.app.store, &viewer.user, id, now).await {
        Ok(()) => Redirect::to(&format!("{}/account/tokens", viewer.base)).into_response(),
        Err(e) => viewer.fail(e).into_response(),
    }
}

async fn show(
    state: &WebState,
    viewer: &Viewer,
    created: Option<String>,
    name: String,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    match load(state, viewer).await {
        Ok((tokens, owners)) => {
            let page = TokensPage {
                ctx: viewer.ctx("nav.account"),
                tokens,
                owners,
                me: viewer.user.id,
                created,
                name,
                errors,
            };
            (status, render(&page)).into_response()
        }
        Err(e) => viewer.fail(e).into_response(),
    }
}

async fn load(state: &WebState, viewer: &Viewer) -> Result<(Vec<ApiToken>, Vec<User>)> {
    let store = &*state.app.store;
    let tokens = api_tokens::list(store, &viewer.user).await?;
    let owners = if viewer.user.is_admin() {
        let window = Page {
            offset: 0,
            limit: OWNER_CHOICES,
        };
        store.list_users(&UserFilter::default(), window).await?.0
    } else {
        Vec::new()
    };
    Ok((tokens, owners))
}
