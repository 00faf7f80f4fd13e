//! User management (administrators only): list, add, edit, delete.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{FieldErrors, FormData, Pager, query_string, render};
use crate::auth::users::{self, UserInput};
use crate::error::{Error, Result};
use crate::store::{JobGroup, ROLE_NORMAL, User, UserFilter};
use crate::web::WebState;
use crate::web::context::{AdminViewer, Ctx, Viewer};
use crate::web::query::PageQuery;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<User>,
    me: i32,
    filter_username: String,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct UserForm {
    ctx: Ctx,
    editing: Option<i32>,
    username: String,
    role: i8,
    checked: Vec<i32>,
    groups: Vec<JobGroup>,
    errors: FieldErrors,
}

impl UserForm {
    fn has_group(&self, id: &i32) -> bool {
        self.checked.contains(id)
    }
}

/// Query of the user list.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Username contains.
    #[serde(default)]
    pub username: String,
    /// 1-based page.
    pub page: Option<i64>,
}

/// `GET /users`.
pub async fn list(
    State(state): State<WebState>,
    AdminViewer(viewer): AdminViewer,
    PageQuery(query): PageQuery<ListQuery>,
) -> Response {
    let filter = UserFilter {
        username: Some(query.username.trim().to_string()),
        role: None,
    };
    match state
        .app
        .store
        .list_users(&filter, Pager::window(query.page))
        .await
    {
        Ok((users, total)) => render(&UsersPage {
            me: viewer.user.id,
            pager: Pager::new(
                query.page,
                total,
                &query_string(&[("username", query.username.trim())]),
            ),
            filter_username: query.username,
            users,
            ctx: viewer.ctx("nav.users"),
        }),
        Err(e) => viewer.fail(e).into_response(),
    }
}

/// `GET /users/new`.
pub async fn new_form(State(state): State<WebState>, AdminViewer(viewer): AdminViewer) -> Response {
    let form = UserForm {
        ctx: viewer.ctx("nav.users"),
        editing: None,
        username: String::new(),
        role: ROLE_NORMAL,
        checked: Vec::new(),
        groups: Vec::new(),
        errors: FieldErrors::default(),
    };
    show(&state, &viewer, form, StatusCode::OK).await
}

/// `GET /users/{id}/edit`.
pub async fn edit_form(
    State(state): State<WebState>,
    AdminViewer(viewer): AdminViewer,
    Path(id): Path<i32>,
) -> Response {
    let user = match state.app.store.get_user(id).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            return viewer
                .fail(Error::NotFound(format!("user {id}")))
                .into_response();
        }
        Err(e) => return viewer.fail(e).into_response(),
    };
    let form = UserForm {
        ctx: viewer.ctx("nav.users"),
        editing: Some(id),
        checked: user.group_ids(),
        username: user.username,
        role: user.role,
        groups: Vec::new(),
        errors: FieldErrors::default(),
    };
    show(&state, &viewer, form, StatusCode::OK).await
}

/// `POST /users`.
pub async fn create(
    State(state): State<WebState>,
    AdminViewer(viewer): AdminViewer,
    body: Bytes,
) -> Response {
    let input = input(&FormData::parse(&body));
    let result = users::create(&*state.app.store, &input).await.map(|_| ());
    after_save(&state, &viewer, None, input, result).await
}

/// `POST /users/{id}`.
pub async fn update(
    State(state): State<WebState>,
    AdminViewer(viewer): AdminViewer,
    Path(id): Path<i32>,
    body: Bytes,
) -> Response {
    let input = input(&FormData::parse(&body));
    let result = users::update(&*state.app.store, &viewer.user, id, &input).await;
    after_save(&state, &viewer, Some(id), input, result).await
}

/// `POST /users/{id}/delete`.
pub async fn delete(
    State(state): State<WebState>,
    AdminViewer(viewer): AdminViewer,
    Path(id): Path<i32>,
) -> Response {
    let now = crate::time::now_naive(state.app.tz);
    let deleted = match users::delete(&*state.app.store, &viewer.user, id).await {
        Ok(()) => crate::auth::api_tokens::revoke_all_of(&*state.app.store, id, now).await,
        Err(e) => Err(e),
    };
    match deleted {
        Ok(()) => Redirect::to(&format!("{}/users", viewer.base)).into_response(),
        Err(e) => viewer.fail(e).into_response(),
    }
}

fn input(form: &FormData) -> UserInput {
    UserInput {
        username: form.get("username").to_string(),
        password: form.get("password").to_string(),
        role: form.get("role").parse().unwrap_or(-1),
        groups: form.all("groups").filter_map(|g| g.parse().ok()).collect(),
    }
}

/// Back to the list on success; the form again, with messages by its fields, on a mistake.
async fn after_save(
    state: &WebState,
    viewer: &Viewer,
    editing: Option<i32>,
    input: UserInput,
    result: Result<()>,
) -> Response {
    let Err(error) = result else {
        return Redirect::to(&format!("{}/users", viewer.base)).into_response();
    };
    let mut errors = FieldErrors::default();
    if let Err(other) = errors.absorb(error) {
        return viewer.fail(other).into_response();
    }
    let form = UserForm {
        ctx: viewer.ctx("nav.users"),
        editing,
        username: input.username,
        role: input.role,
        checked: input.groups,
        groups: Vec::new(),
        errors,
    };
    show(state, viewer, form, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn show(
    state: &WebState,
    viewer: &Viewer,
    mut form: UserForm,
    status: StatusCode,
) -> Response {
    match state.app.store.all_groups().await {
        Ok(groups) => {
            form.groups = groups;
            (status, render(&form)).into_response()
        }
        Err(e) => viewer.fail(e).into_response(),
    }
}
