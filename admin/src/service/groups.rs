//! Executor groups: create, change, delete, with XXL-JOB's rules (PROTOCOL.md §2.5, §8.2).
//!
//! A group is the unit of routing: jobs name a group, the group knows its executors. An auto
//! group (address type 0) learns them from heartbeats of its app name; a manual group
//! (type 1) has a list typed by an operator, which must be `http(s)://` URLs because the
//! admin calls each one.

use jobwheel_executor::protocol::{ProtocolGeneration, lenient};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::registry;
use crate::store::{AddressType, GroupFields, GroupFilter, JobGroup, Page};
use crate::time::now_naive;

/// App names are 4..=64 characters (XXL-JOB's rule; the column is VARCHAR(64)).
const APP_NAME_CHARS: std::ops::RangeInclusive<usize> = 4..=64;
/// Titles are at most 64 characters (`title`/`name` is VARCHAR(64) since 3.4).
const TITLE_MAX_CHARS: usize = 64;

/// What a client sends to create or change a group. Every field is optional: on create,
/// missing fields take their defaults (and required ones fail validation); on update they
/// keep their current value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupInput {
    /// The executors' app name (`appname`, as XXL-JOB spells it; `appName` also accepted).
    #[serde(alias = "appName")]
    pub appname: Option<String>,
    /// Display name (`title`; 3.5's `name` also accepted).
    #[serde(alias = "name")]
    pub title: Option<String>,
    /// 0 auto (heartbeats), 1 manual.
    #[serde(default, deserialize_with = "lenient::opt_i32")]
    pub address_type: Option<i32>,
    /// Manual groups: comma-separated `http(s)://` executor addresses.
    pub address_list: Option<String>,
    /// Per-group executor token (3.5); `""` removes it.
    pub access_token: Option<String>,
    /// `legacy`, `v3_5`, or `""` to detect the executors' protocol generation.
    pub protocol: Option<String>,
}

/// One group.
pub async fn get(state: &AppState, id: i32) -> Result<JobGroup> {
    state
        .store
        .get_group(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("executor group {id}")))
}

/// Groups matching `filter`, and the total count.
pub async fn list(
    state: &AppState,
    filter: &GroupFilter,
    page: Page,
) -> Result<(Vec<JobGroup>, i64)> {
    state.store.list_groups(filter, page).await
}

/// Creates a group; an auto group gets its live addresses at once.
pub async fn create(state: &AppState, input: GroupInput) -> Result<JobGroup> {
    let fields = merge(GroupFields::default(), input)?;
    ensure_app_name_free(state, &fields.app_name, None).await?;
    let id = state
        .store
        .insert_group(&fields, now_naive(state.tz))
        .await?;
    refreshed(state, id).await
}

/// Changes a group; fields not given keep their value.
pub async fn update(state: &AppState, id: i32, input: GroupInput) -> Result<JobGroup> {
    let current = get(state, id).await?;
    let fields = merge(fields_of(current), input)?;
    ensure_app_name_free(state, &fields.app_name, Some(id)).await?;
    if !state
        .store
        .update_group(id, &fields, now_naive(state.tz))
        .await?
    {
        return Err(Error::NotFound(format!("executor group {id}")));
    }
    refreshed(state, id).await
}

/// Deletes a group (and its registry rows); refused while jobs still use it.
pub async fn delete(state: &AppState, id: i32) -> Result<()> {
    get(state, id).await?;
    let jobs = state.store.count_jobs_in_group(id).await?;
    if jobs > 0 {
        return Err(Error::Conflict(format!(
            "executor group {id} still has {jobs} job(s); delete or move them first"
        )));
    }
    if !state.store.delete_group(id).await? {
        return Err(Error::NotFound(format!("executor group {id}")));
    }
    Ok(())
}

/// Reads the saved group back, after recomputing an auto group's addresses.
async fn refreshed(state: &AppState, id: i32) -> Result<JobGroup> {
    let mut group = get(state, id).await?;
    if group.address_type == AddressType::Auto {
        group.address_list = registry::refresh_group(state, &group).await?;
    }
    Ok(group)
}

async fn ensure_app_name_free(state: &AppState, app_name: &str, own_id: Option<i32>) -> Result<()> {
    match state.store.get_group_by_app_name(app_name).await? {
        Some(other) if Some(other.id) != own_id => Err(Error::Conflict(format!(
            "app name `{app_name}` is already used by executor group {}",
            other.id
        ))),
        _ => Ok(()),
    }
}

fn fields_of(group: JobGroup) -> GroupFields {
    GroupFields {
        app_name: group.app_name,
        title: group.title,
        address_type: group.address_type,
        address_list: group.address_list,
        access_token: group.access_token,
        protocol: group.protocol,
    }
}

/// Applies `input` over `base` and validates the result.
fn merge(base: GroupFields, input: GroupInput) -> Result<GroupFields> {
    let app_name = input
        .appname
        .map_or(base.app_name, |a| a.trim().to_string());
    let app_chars = app_name.chars().count();
    if !APP_NAME_CHARS.contains(&app_chars) {
        return Err(Error::validation(
            "appname",
            "the app name must be 4 to 64 characters long",
        ));
    }
    let title = input.title.map_or(base.title, |t| t.trim().to_string());
    if title.is_empty() {
        return Err(Error::validation("title", "a title is required"));
    }
    if title.chars().count() > TITLE_MAX_CHARS {
        return Err(Error::validation(
            "title",
            format!("the title must be at most {TITLE_MAX_CHARS} characters long"),
        ));
    }
    let address_type = match input.address_type {
        None => base.address_type,
        Some(0) => AddressType::Auto,
        Some(1) => AddressType::Manual,
        Some(other) => {
            return Err(Error::validation(
                "addressType",
                format!("{other} is not an address type (0 = auto registration, 1 = manual)"),
            ));
        }
    };
    let address_list = match address_type {
        // Computed from heartbeats after the save; what the client sent does not matter.
        AddressType::Auto => base.address_list,
        AddressType::Manual => Some(http_addresses(
            "addressList",
            input
                .address_list
                .as_deref()
                .or(base.address_list.as_deref())
                .unwrap_or_default(),
        )?),
    };
    let access_token = match input.access_token {
        None => base.access_token,
        Some(t) if t.trim().is_empty() => None,
        Some(t) => Some(t.trim().to_string()),
    };
    let protocol = match input.protocol.as_deref().map(str::trim) {
        None => base.protocol,
        Some("") => None,
        Some(p) => Some(
            p.parse::<ProtocolGeneration>()
                .map_err(|e| Error::validation("protocol", e))?,
        ),
    };
    Ok(GroupFields {
        app_name,
        title,
        address_type,
        address_list,
        access_token,
        protocol,
    })
}

/// A list of executor addresses typed by a person (a manual group, a one-off trigger):
/// at least one, each an `http://` or `https://` URL; returned trimmed and comma-joined.
pub fn http_addresses(field: &str, list: &str) -> Result<String> {
    let addresses = crate::store::split_addresses(Some(list));
    if addresses.is_empty() {
        return Err(Error::validation(
            field,
            "at least one executor address is needed",
        ));
    }
    if let Some(bad) = addresses
        .iter()
        .find(|a| !(a.starts_with("http://") || a.starts_with("https://")))
    {
        return Err(Error::validation(
            field,
            format!("`{bad}` must start with http:// or https://"),
        ));
    }
    Ok(addresses.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(app: &str, title: &str) -> GroupInput {
        GroupInput {
            appname: Some(app.into()),
            title: Some(title.into()),
            ..GroupInput::default()
        }
    }

    fn field_of(result: Result<GroupFields>) -> String {
        match result {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn app_name_title_and_addresses_are_checked() {
        assert_eq!(
            field_of(merge(GroupFields::default(), input("abc", "T"))),
            "appname"
        );
        assert_eq!(
            field_of(merge(GroupFields::default(), input("abcd", " "))),
            "title"
        );
        let manual = GroupInput {
            address_type: Some(1),
            address_list: Some("http://a:9999/, 10.0.0.1:9999".into()),
            ..input("abcd", "T")
        };
        assert_eq!(
            field_of(merge(GroupFields::default(), manual)),
            "addressList"
        );
        let bad_type = GroupInput {
            address_type: Some(2),
            ..input("abcd", "T")
        };
        assert_eq!(
            field_of(merge(GroupFields::default(), bad_type)),
            "addressType"
        );
    }

    #[test]
    fn update_keeps_what_is_not_given() {
        let base = merge(
            GroupFields::default(),
            GroupInput {
                address_type: Some(1),
                address_list: Some(" http://a:9999/ ,https://b:9999/".into()),
                access_token: Some("tok".into()),
                ..input("app-one", "One")
            },
        )
        .unwrap();
        assert_eq!(
            base.address_list.as_deref(),
            Some("http://a:9999/,https://b:9999/")
        );
        let changed = merge(
            base.clone(),
            GroupInput {
                title: Some("Renamed".into()),
                access_token: Some(String::new()),
                ..GroupInput::default()
            },
        )
        .unwrap();
        assert_eq!(changed.app_name, "app-one");
        assert_eq!(changed.title, "Renamed");
        assert_eq!(changed.address_list, base.address_list);
        assert_eq!(changed.access_token, None);
    }
}
