//! Executor groups (administrators only, as in XXL-JOB): list with the live registry, add,
//! edit, delete; addresses come from heartbeats (auto) or are typed (manual).

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{FieldErrors, FormData, Pager, query_string, render};
use crate::error::Result;
use crate::service::groups::{self, GroupInput};
use crate::service::registry;
use crate::store::{AddressType, GroupFilter, JobGroup};
use crate::web::WebState;
use crate::web::context::{AdminViewer, Ctx, Viewer};
use crate::web::query::PageQuery;

/// One executor address of a group and whether it is heartbeating now.
struct Address {
    url: String,
    online: bool,
}

/// A group as the list shows it.
struct GroupRow {
    group: JobGroup,
    manual: bool,
    addresses: Vec<Address>,
}

#[derive(Template)]
#[template(path = "groups.html")]
struct GroupsPage {
    ctx: Ctx,
    rows: Vec<GroupRow>,
    query: ListQuery,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "group_form.html")]
struct GroupForm {
    ctx: Ctx,
    editing: Option<i32>,
    appname: String,
    title: String,
    manual: bool,
    address_list: String,
    errors: FieldErrors,
}

/// Query of the group list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// App name contains.
    #[serde(default)]
    pub appname: String,
    /// Title contains.
    #[serde(default)]
    pub title: String,
    /// 1-based page.
    pub page: Option<i64>,
}

/// `GET /groups`.
pub async fn list(
    State(state): State<WebState>,
    AdminViewer(viewer): AdminViewer,
    PageQuery(query): PageQuery<ListQuery>,
) -> Response {
    let blank = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = GroupFilter {
        app_name: blank(&query.appname),
        title: blank(&query.title),
    };
    let listed = groups::list(&state.app, &filter, Pager::window(query.page)).await;
    let live = registry::live_addresses(&state.app).await;
    let ((found, total), live) = match (listed, live) {
        (Ok(listed), Ok(live)) => (listed, live),
        (Err(e), _) | (_, Err(e)) => return viewer.fail(e).into_response(),
    };
    let pager = Pager::new(
        query.page,
        total,
        &query_string(&[
            ("appname", query.appname.trim()),
            ("title", query.title.trim()),
        ]),
    );
    render(&GroupsPage {
        ctx: viewer.ctx("nav.groups"),
        rows: found.into_iter().map(|g| row(g, &live)).collect(),
        query,
        pager,
    })
}

/// A group with each address marked online when its app's executors heartbeat from it;
/// live executors a manual group does not list are shown too (offline ones are not).
fn row(group: JobGroup, live: &BTreeMap<String, BTreeSet<String>>) -> GroupRow {
    let online = live.get(&group.app_name);
    let is_online = |a: &str| online.is_some_and(|set| set.contains(a));
    let mut addresses: Vec<Address> = group
        .addresses()
        .into_iter()
        .map(|url| Address {
            online: is_online(&url),
            url,
        })
        .collect();
    for url in online.into_iter().flatten() {
        if !addresses.iter().any(|a| &a.url == url) {
            addresses.push(Address {
                url: url.clone(),
                online: true,
            });
        }
    }
    GroupRow {
        manual: group.address_type == AddressType::Manual,
        group,
        addresses,
    }
}

/// `GET /groups/new`.
pub async fn new_form(AdminViewer(viewer): AdminViewer) -> Response {
    render(&GroupForm {
        ctx: viewer.ctx("nav.groups"),
        editing: None,
        appname: String::new(),
        title: String::new(),
        manual: false,
        address_list: String::new(),
        errors: FieldErrors::default(),
    })
}

/// `GET /groups/{id}/edit`.
pub async fn edit_form(
    State(state): State<WebState>,
    AdminViewer(viewer): AdminViewer,
    Path(id): Path<i32>,
) -> Response {
    match groups::get(&state.app, id).await {
        Ok(group) => render(&GroupForm {
            ctx: viewer.ctx("nav.groups"),
            editing: Some(id),
            manual: group.address_type == AddressType::Manual,
            address_list: group.address_list.unwrap_or_default(),
            appname: group.app_name,
            title: group.title,
            errors: FieldErrors::default(),
        }),
        Err(e) => viewer.fail(e).into_response(),
    }
}

/// `POST /groups`.
pub async fn create(
    State(state): State<WebState>,
    AdminViewer(viewer): AdminViewer,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let result = groups::create(&state.app, input(&form)).await.map(|_| ());
    after_save(&viewer, None, &form, result)
}

/// `POST /groups/{id}`.
pub async fn update(
    State(state): State<WebState>,
    AdminViewer(viewer): AdminViewer,
    Path(id): Path<i32>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let result = groups::update(&state.app, id, input(&form))
        .await
        .map(|_| ());
    after_save(&viewer, Some(id), &form, result)
}

/// `POST /groups/{id}/delete`: refused (409) while jobs still use the group.
pub async fn delete(
    State(state): State<WebState>,
    AdminViewer(viewer): AdminViewer,
    Path(id): Path<i32>,
) -> Response {
    match groups::delete(&state.app, id).await {
        Ok(()) => Redirect::to(&format!("{}/groups", viewer.base)).into_response(),
        Err(e) => viewer.fail(e).into_response(),
    }
}

fn input(form: &FormData) -> GroupInput {
    GroupInput {
        appname: Some(form.get("appname").to_string()),
        title: Some(form.get("title").to_string()),
        address_type: Some(form.get("addressType").parse().unwrap_or(-1)),
        address_list: Some(form.get("addressList").to_string()),
        ..GroupInput::default()
    }
}

/// Back to the list on success; the form again, with messages by its fields, on a mistake.
fn after_save(
    viewer: &Viewer,
    editing: Option<i32>,
    form: &FormData,
    result: Result<()>,
) -> Response {
    let Err(error) = result else {
        return Redirect::to(&format!("{}/groups", viewer.base)).into_response();
    };
    let mut errors = FieldErrors::default();
    if let Err(other) = errors.absorb(error) {
        return viewer.fail(other).into_response();
    }
    let page = GroupForm {
        ctx: viewer.ctx("nav.groups"),
        editing,
        appname: form.get("appname").to_string(),
        title: form.get("title").to_string(),
        manual: form.get("addressType") == "1",
        address_list: form.get("addressList").to_string(),
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}
